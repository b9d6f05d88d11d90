import { testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;

interface Operation {
  requestBody?: { required?: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

/**
 * The OpenAPI document as a client generator would read it (issue 9, row 12): every operation
 * says what it answers and how it fails, with the constraints the API applies. schemathesis
 * (deploy/local/schemathesis.sh) checks the document against the running API; this file pins
 * the document's promises themselves and the behaviour behind a few of them.
 */
describe('the OpenAPI document', () => {
  const env = testEnvironment({
    FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWLINE_SECRET_KEY: `key-${uniqueSuffix()}`.repeat(4),
  });
  let cluster: TestCluster;
  let document: Document;
  let api: ApiClient;
  let authorization: { authorization: string };

  beforeAll(async () => {
    cluster = await startCluster(env, ['api']);
    document = (await (await fetch(`${cluster.url}/docs-json`)).json()) as Document;
    const tenant = `openapi-${uniqueSuffix()}`;
    const created = await new ApiClient(cluster.url, ADMIN_TOKEN).call<{ api_key: string }>('POST', '/tenants', {
      id: tenant,
      name: tenant,
    });
    authorization = { authorization: `Bearer ${created.body.api_key}` };
    api = new ApiClient(cluster.url, created.body.api_key);
  });

  afterAll(async () => {
    await cluster?.close();
  });

  const operations = (): Array<[string, Operation]> =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]): [string, Operation] => [
        `${method.toUpperCase()} ${path}`,
        operation,
      ]),
    );

  it('declares a success answer with its schema for every operation', () => {
    expect(operations().length).toBeGreaterThanOrEqual(46);
    const undescribed = operations()
      .filter(([, operation]) => {
        const success = Object.entries(operation.responses).find(([status]) => /^2\d\d$/.test(status));
        if (!success) return true;
        return success[0] !== '204' && !success[1].content;
      })
      .map(([name]) => name);
    expect(undescribed).toEqual([]);
  });

  it('declares the shared error body for 401 on every tenant operation and 400, 413, 415 where a body is taken', () => {
    const missing: string[] = [];
    for (const [name, operation] of operations()) {
      if (/ \/(health|metrics)/.test(name)) continue;
      // Signing out answers 204 whether or not a session was open: it has no 401.
      const authenticated = name !== 'DELETE /session';
      const expected = [...(authenticated ? ['401'] : []), ...(operation.requestBody ? ['400', '413', '415'] : [])];
      if (name.includes('{')) expected.push('404');
      for (const status of expected) {
        const schema = operation.responses[status]?.content?.['application/json']?.schema;
        if (!schema || !String(schema.$ref).includes('Dto')) missing.push(`${name} ${status}`);
      }
    }
    expect(missing).toEqual([]);
  });

  /** The value at a path of keywords in the document (undefined where there is none). */
  const at = (...path: string[]): unknown =>
    path.reduce<unknown>(
      (node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined),
      document,
    );

  it('states the real constraints of a connection', () => {
    const connection = ['components', 'schemas', 'ConnectionDto'];
    expect(at(...connection, 'additionalProperties')).toBe(false);
    expect(at(...connection, 'properties', 'name')).toMatchObject({ minLength: 1, maxLength: 200 });
    expect(at(...connection, 'properties', 'retry_schedule_s', 'items')).toMatchObject({ type: 'integer', minimum: 1 });
    expect(at(...connection, 'properties', 'timeout_ms')).toMatchObject({
      type: 'integer',
      minimum: 100,
      maximum: 60000,
    });
    expect(at(...connection, 'properties', 'auth', 'discriminator', 'propertyName')).toBe('type');
    expect(Object.keys(at(...connection, 'properties', 'auth', 'discriminator', 'mapping') as object)).toEqual([
      'none',
      'basic',
      'api_key',
      'bearer',
      'oauth2',
    ]);
    expect(at('components', 'schemas', 'BasicAuthDto', 'additionalProperties')).toBe(false);
    expect(at('components', 'schemas', 'TagDto', 'properties', 'objects')).toMatchObject({
      minItems: 1,
      uniqueItems: true,
    });
    expect(at('components', 'schemas', 'FlowDestinationDto', 'properties', 'connection_id', 'format')).toBe('uuid');
    expect(at('paths', '/connections/{id}', 'get', 'parameters', '0', 'schema', 'format')).toBe('uuid');
  });

  it('answers 405 with Allow for a method a documented path does not have', async () => {
    const response = await fetch(`${cluster.url}/tags`, { method: 'PATCH', headers: authorization });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST, HEAD');
    const unknown = await fetch(`${cluster.url}/no-such-path`, { method: 'PATCH' });
    expect(unknown.status).toBe(404);
  });

  it('takes null in an optional field as absent, as the document says', async () => {
    const connection = await api.create('/connections', {
      name: 'CRM',
      url: 'https://crm.example.com/hooks',
      signing_secret: null,
      timeout_ms: null,
      headers: null,
      auth: {
        type: 'oauth2',
        grant_type: 'client_credentials',
        client_id: 'flowline',
        client_secret: 'secret',
        token_url: 'https://auth.example.com/token',
        scope: null,
      },
    });
    expect(connection).toMatchObject({ signing_secret: null, headers: {} });
    expect(connection).not.toHaveProperty('timeout_ms');
    expect(connection.auth).not.toHaveProperty('scope');
    const mapping = await api.create('/mappings', { name: 'm', fields: [{ target: 'a', source: 'a' }] });
    const flow = await api.create('/flows', {
      name: 'f',
      destination: { connection_id: connection.id, payload_mapping_id: mapping.id, header_mapping_id: null },
    });
    expect(flow.destination).toEqual({ connection_id: connection.id, payload_mapping_id: mapping.id });
    const sequence = await api.create('/sequences', { name: 's', event_types: ['a'], window_seconds: 60 });
    const unchanged = await fetch(`${cluster.url}/sequences/${sequence.id}`, {
      method: 'PATCH',
      headers: authorization,
    });
    expect(unchanged.status).toBe(200);
  });
});
