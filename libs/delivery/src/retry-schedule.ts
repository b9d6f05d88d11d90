import { RETRY_TIERS } from '@flowline/contracts';
import type { AttemptOutcome, FailureCategory } from './classify-outcome';

/** docs/CONTRACT.md §8: three automatic retries, after 10 s, 2 min and 15 min. */
export const DEFAULT_RETRY_SCHEDULE_S: readonly number[] = [10, 120, 900];
/** A connection may set up to 10 retries spread over at most 72 h (docs/CONTRACT.md §8). */
export const MAX_RETRIES = 10;
export const MAX_RETRY_SPAN_S = 72 * 3600;
/** A receiver's Retry-After is honoured up to an hour: it cannot park a delivery for days. */
export const MAX_RETRY_AFTER_MS = 3600 * 1000;
/** Each wait is moved by up to ±10 %, so retries of many deliveries that failed together spread out. */
export const JITTER = 0.1;

export interface RetryPolicy {
  maxRetries: number;
  /** Seconds before each retry; retries beyond its length double the last wait. */
  retryScheduleS: readonly number[];
}

/**
 * The wait before retry number `retry` (1-based): the connection's schedule (exponential past its
 * end, within 72 h in all), moved by jitter, and never shorter than the receiver's Retry-After
 * (capped). `random` is in [0, 1).
 */
export function retryDelayMs(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: number,
): number {
  const schedule = policy.retryScheduleS.length > 0 ? policy.retryScheduleS : DEFAULT_RETRY_SCHEDULE_S;
  const last = schedule[schedule.length - 1]!;
  const scheduledS = retry <= schedule.length ? schedule[retry - 1]! : last * 2 ** (retry - schedule.length);
  const jittered = scheduledS * 1000 * (1 + JITTER * (2 * random - 1));
  const base = Math.min(jittered, MAX_RETRY_SPAN_S * 1000);
  return Math.round(Math.max(base, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)));
}

/**
 * The retry topic tier a wait goes to, by its length: under a minute in tier 1, under 30
 * minutes in tier 2, longer in tier 3. A tier's partition waits for its earliest record, so
 * keeping long waits apart keeps short ones from waiting behind them (decision 0009).
 */
export function retryTier(delayMs: number): number {
  const tier = delayMs < 60_000 ? 1 : delayMs < 30 * 60_000 ? 2 : 3;
  return Math.min(tier, RETRY_TIERS);
}

/** What becomes of a delivery after one attempt (docs/CONTRACT.md §8). */
export type Settlement =
  | { status: 'succeeded' }
  | { status: 'failed'; category: FailureCategory; reason: string; pauseConnection: boolean }
  | { status: 'retrying'; retry: number; delayMs: number; category: FailureCategory; reason: string }
  | { status: 'abandoned'; category: FailureCategory; reason: string };

/**
 * The one decision after an attempt: success, a permanent failure, the next retry and when,
 * or abandonment once `maxRetries` retries were made. `retriesSoFar` counts retries already made.
 */
export function settleAttempt(
  outcome: AttemptOutcome,
  retriesSoFar: number,
  policy: RetryPolicy,
  random: number,
): Settlement {
  switch (outcome.kind) {
    case 'success':
      return { status: 'succeeded' };
    case 'permanent':
      return {
        status: 'failed',
        category: outcome.category,
        reason: outcome.reason,
        pauseConnection: outcome.pauseConnection,
      };
    case 'retry': {
      const retry = retriesSoFar + 1;
      if (retry > policy.maxRetries) return { status: 'abandoned', category: outcome.category, reason: outcome.reason };
      const delayMs = retryDelayMs(policy, retry, outcome.retryAfterMs, random);
      return { status: 'retrying', retry, delayMs, category: outcome.category, reason: outcome.reason };
    }
  }
}
