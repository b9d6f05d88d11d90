import {
  DEFAULT_RETRY_SCHEDULE_S,
  MAX_RETRY_AFTER_MS,
  MAX_RETRY_SPAN_S,
  retryDelayMs,
  retryTier,
  settleAttempt,
} from './retry-schedule';

const defaults = { maxRetries: 3, retryScheduleS: DEFAULT_RETRY_SCHEDULE_S };

describe('retryDelayMs', () => {
  it('waits 10 s, 2 min and 15 min by default, without jitter at random 0.5', () => {
    expect([1, 2, 3].map((retry) => retryDelayMs(defaults, retry, undefined, 0.5))).toEqual([10_000, 120_000, 900_000]);
  });

  it('moves each wait by at most 10 % either way', () => {
    expect(retryDelayMs(defaults, 1, undefined, 0)).toBe(9_000);
    expect(retryDelayMs(defaults, 1, undefined, 0.999_999)).toBe(11_000);
  });

  it("follows the connection's own schedule", () => {
    const policy = { maxRetries: 2, retryScheduleS: [1, 5] };
    expect([1, 2].map((retry) => retryDelayMs(policy, retry, undefined, 0.5))).toEqual([1_000, 5_000]);
  });

  it('doubles the last wait for retries beyond the schedule, within 72 h', () => {
    const policy = { maxRetries: 10, retryScheduleS: [60] };
    expect([2, 3].map((retry) => retryDelayMs(policy, retry, undefined, 0.5))).toEqual([120_000, 240_000]);
    expect(retryDelayMs(policy, 20, undefined, 0.5)).toBe(MAX_RETRY_SPAN_S * 1000);
  });

  it('never retries before Retry-After, and honours it up to an hour', () => {
    expect(retryDelayMs(defaults, 1, 30_000, 0.5)).toBe(30_000);
    expect(retryDelayMs(defaults, 1, 2_000, 0.5)).toBe(10_000);
    expect(retryDelayMs(defaults, 1, 24 * 3600 * 1000, 0.5)).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe('retryTier', () => {
  it('keeps waits under a minute, under half an hour, and longer in tiers 1, 2 and 3', () => {
    expect([0, 10_000, 59_999, 60_000, 120_000, 900_000, 1_800_000, 72 * 3_600_000].map(retryTier)).toEqual([
      1, 1, 1, 2, 2, 2, 3, 3,
    ]);
  });
});

describe('settleAttempt', () => {
  const policy = { maxRetries: 2, retryScheduleS: [1, 5] };

  it('succeeds on success', () => {
    expect(settleAttempt({ kind: 'success' }, 0, policy, 0.5)).toEqual({ status: 'succeeded' });
  });

  it('fails a permanent failure at once, pausing the connection on a 410', () => {
    const gone = {
      kind: 'permanent',
      category: 'config',
      pauseConnection: true,
      reason: 'HTTP 410: endpoint gone',
    } as const;
    expect(settleAttempt(gone, 0, policy, 0.5)).toEqual({
      status: 'failed',
      category: 'config',
      reason: 'HTTP 410: endpoint gone',
      pauseConnection: true,
    });
  });

  it('schedules each retry by the schedule, then abandons after max_retries', () => {
    const failure = { kind: 'retry', category: 'system', reason: 'HTTP 503' } as const;
    expect(settleAttempt(failure, 0, policy, 0.5)).toEqual({
      status: 'retrying',
      retry: 1,
      delayMs: 1_000,
      category: 'system',
      reason: 'HTTP 503',
    });
    expect(settleAttempt(failure, 1, policy, 0.5)).toMatchObject({ status: 'retrying', retry: 2, delayMs: 5_000 });
    expect(settleAttempt(failure, 2, policy, 0.5)).toEqual({
      status: 'abandoned',
      category: 'system',
      reason: 'HTTP 503',
    });
  });

  it('abandons at once when the connection allows no retries', () => {
    const failure = { kind: 'retry', category: 'connection', reason: 'timeout' } as const;
    expect(settleAttempt(failure, 0, { maxRetries: 0, retryScheduleS: [] }, 0.5).status).toBe('abandoned');
  });
});
