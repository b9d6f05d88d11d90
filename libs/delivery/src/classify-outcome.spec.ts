import { classifyOutcome, parseRetryAfter } from './classify-outcome';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const response = (status: number, retryAfter?: string) =>
  classifyOutcome({ kind: 'response', status, retryAfter }, NOW);

describe('classifyOutcome (docs/CONTRACT.md §8)', () => {
  it.each([200, 201, 204, 299])('%i is a success', (status) => {
    expect(response(status)).toEqual({ kind: 'success' });
  });

  it.each([429, 500, 502, 503, 504])('%i is retried', (status) => {
    expect(response(status).kind).toBe('retry');
  });

  it.each([301, 302, 307, 308])('%i is a failure that is retried (redirects are not followed)', (status) => {
    expect(response(status)).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/redirect/) });
  });

  it('410 is permanent and pauses the connection', () => {
    expect(response(410)).toMatchObject({ kind: 'permanent', pauseConnection: true });
  });

  it.each([400, 401, 403, 404, 409, 422])('%i is permanent without pausing', (status) => {
    expect(response(status)).toMatchObject({ kind: 'permanent', pauseConnection: false });
  });

  it('timeouts and connection errors are retried', () => {
    expect(classifyOutcome({ kind: 'error', code: 'timeout', message: 'x' }, NOW).kind).toBe('retry');
    expect(classifyOutcome({ kind: 'error', code: 'connection', message: 'ECONNREFUSED' }, NOW).kind).toBe('retry');
  });

  it('honours Retry-After in seconds and as an HTTP date', () => {
    expect(response(429, '30')).toMatchObject({ retryAfterMs: 30_000 });
    expect(response(503, 'Thu, 01 Jan 2026 00:01:00 GMT')).toMatchObject({ retryAfterMs: 60_000 });
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });
});
