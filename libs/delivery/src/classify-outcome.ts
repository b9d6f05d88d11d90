import type { FailureCategory } from '@flowline/contracts';

/** What one attempt's response means for the delivery (docs/CONTRACT.md §8). */
export type AttemptOutcome =
  | { kind: 'success' }
  | { kind: 'retry'; category: FailureCategory; retryAfterMs?: number; reason: string }
  | { kind: 'permanent'; category: FailureCategory; pauseConnection: boolean; reason: string };

/** Dead-letter and retry-queue categories: one type, from the contracts. */
export type { FailureCategory };

/**
 * The result of sending one request: a response, or an error before any response. `endpoint:
 * 'token'` marks the request to a connection's OAuth2 token endpoint, made on the delivery's
 * behalf before it could be sent.
 */
export type AttemptResult =
  | { kind: 'response'; status: number; retryAfter?: string | undefined; endpoint?: 'token'; detail?: string }
  | { kind: 'error'; code: 'timeout' | 'connection' | 'refused_target'; message: string; endpoint?: 'token' };

/** Retry-After may be seconds or an HTTP date; answers milliseconds from `now`, or undefined. */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The one place that decides what a response means. 2xx succeeds; 429, 5xx, timeouts and
 * connection errors are retried; 3xx is a failure that is retried (redirects are not followed);
 * 410 is permanent and pauses the connection; any other 4xx is permanent.
 *
 * The token endpoint (`endpoint: 'token'`): its 4xx other than 429 (invalid_client, invalid_grant,
 * ...), a redirect or a 2xx without a usable token means the connection's OAuth2 settings are
 * wrong: a permanent failure of category `config` that does not pause the connection; 429, 5xx, timeouts and connection errors are retried like
 * the receiver's.
 */
export function classifyOutcome(result: AttemptResult, now: number): AttemptOutcome {
  if (result.endpoint === 'token') {
    const outcome = classifyOutcome({ ...result, endpoint: undefined }, now);
    const status = result.kind === 'response' ? result.status : 0;
    const detail = result.kind === 'response' && result.detail ? ` (${result.detail})` : '';
    const reason = `token endpoint: ${outcome.kind === 'success' ? `HTTP ${status}` : outcome.reason}${detail}`;
    // A 2xx reaching here carried no usable token: as wrong settings as a 4xx or a redirect.
    if (outcome.kind === 'retry' && !(status >= 300 && status < 400)) return { ...outcome, reason };
    return { kind: 'permanent', category: 'config', pauseConnection: false, reason };
  }
  if (result.kind === 'error') {
    switch (result.code) {
      case 'timeout':
        return { kind: 'retry', category: 'connection', reason: `timeout: ${result.message}` };
      case 'connection':
        return { kind: 'retry', category: 'connection', reason: result.message };
      case 'refused_target':
        return { kind: 'permanent', category: 'config', pauseConnection: false, reason: result.message };
    }
  }
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: 'success' };
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(result.retryAfter, now);
    return {
      kind: 'retry',
      category: status === 429 ? 'general' : 'system',
      reason: `HTTP ${status}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (status >= 300 && status < 400) {
    return { kind: 'retry', category: 'config', reason: `HTTP ${status}: redirects are not followed` };
  }
  if (status === 410) {
    return { kind: 'permanent', category: 'config', pauseConnection: true, reason: 'HTTP 410: endpoint gone' };
  }
  return { kind: 'permanent', category: 'general', pauseConnection: false, reason: `HTTP ${status}` };
}
