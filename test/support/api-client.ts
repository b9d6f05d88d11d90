/** A tenant's view of the REST API, as curl or a tenant's own code would use it. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    readonly key: string | undefined,
  ) {}

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(this.key ? { authorization: `Bearer ${this.key}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  /** The same tenant against another address (a restarted cluster listens elsewhere). */
  at(baseUrl: string): ApiClient {
    return new ApiClient(baseUrl, this.key);
  }

  /** Creates and answers the created object, failing loudly if the API refused. */
  async create(path: string, body: unknown): Promise<{ id: string } & Record<string, unknown>> {
    const response = await this.call<{ id: string } & Record<string, unknown>>('POST', path, body);
    if (response.status !== 201)
      throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** Creates a tenant with the operator's token; answers a client acting for it. */
  static async tenant(baseUrl: string, adminToken: string, id: string): Promise<ApiClient> {
    const created = await new ApiClient(baseUrl, adminToken).call<{ api_key: string }>('POST', '/tenants', {
      id,
      name: id,
    });
    if (created.status !== 201) throw new Error(`POST /tenants answered ${created.status}`);
    return new ApiClient(baseUrl, created.body.api_key);
  }
}
