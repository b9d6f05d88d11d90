import type { Session } from './types';

/** A refusal from the API: its status and its messages (a 400 lists every problem). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly messages: string[],
  ) {
    super(messages.join('; ') || `the API answered ${status}`);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | boolean | undefined>;

function queryString(query: Query | undefined): string {
  const entries = Object.entries(query ?? {}).filter(
    (entry): entry is [string, string | number | boolean] => entry[1] !== undefined && entry[1] !== '',
  );
  return entries.length
    ? `?${new URLSearchParams(entries.map(([key, value]) => [key, String(value)])).toString()}`
    : '';
}

function messagesOf(status: number, body: unknown): string[] {
  const message = (body as { message?: unknown } | null)?.message;
  if (Array.isArray(message)) return message.map(String);
  if (typeof message === 'string') return [message];
  return [`the API answered ${status}`];
}

/**
 * The console's only way to the server: the public REST API, same origin, authenticated by the
 * HttpOnly session cookie (sent by the browser) and, for changes, the session's CSRF token, held
 * here in memory only (decision 0019).
 */
export class ApiClient {
  private csrfToken: string | undefined;
  /** Called when the session has ended (401), so the console asks to sign in again. */
  onSignedOut: () => void = () => undefined;

  async signIn(apiKey: string): Promise<Session> {
    const session = await this.request<Session>('POST', '/session', { body: { api_key: apiKey }, quiet401: true });
    this.csrfToken = session.csrf_token;
    return session;
  }

  /** The session of a reloaded page, or undefined when signed out. */
  async resume(): Promise<Session | undefined> {
    try {
      const session = await this.request<Session>('GET', '/session', { quiet401: true });
      this.csrfToken = session.csrf_token;
      return session;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return undefined;
      throw error;
    }
  }

  async signOut(): Promise<void> {
    await this.request<void>('DELETE', '/session', { quiet401: true });
    this.csrfToken = undefined;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', `${path}${queryString(query)}`);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  private async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; quiet401?: boolean } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        credentials: 'same-origin',
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    } catch {
      throw new ApiError(0, ['the Flowline API cannot be reached; check the connection and try again']);
    }
    const text = await response.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      if (response.status === 401 && !options.quiet401) this.onSignedOut();
      throw new ApiError(response.status, messagesOf(response.status, body));
    }
    return body as T;
  }
}

export const api = new ApiClient();
