/** A connection as the dispatcher uses it (CONTRACT §4); plain data from the connections table. */
export interface ConnectionSettings {
  id: string;
  tenant: string;
  name: string;
  url: string;
  method: 'POST' | 'GET';
  contentType: 'application/json' | 'application/x-www-form-urlencoded';
  /** Static custom headers, e.g. X-Company-ID. */
  headers: Record<string, string>;
  timeoutMs: number;
  maxRetries: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_RETRIES = 3;
