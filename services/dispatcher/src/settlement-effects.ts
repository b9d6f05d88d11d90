import type { DeliveryStatus } from '@flowline/db';
import { AttemptOutcome, RetryPolicy, retryTier, Settlement, settleAttempt } from '@flowline/delivery';
import type { FlowlineMetrics } from '@flowline/observability';
import type { Logger } from 'pino';
import type { Clock, RandomSource } from './clock';
import { AttemptEvidence, attemptRow, parkedRow } from './delivery-rows';
import type { Effects } from './effects';
import { Job, laneOf } from './job';
import type { OutgoingRecords } from './outgoing-records';

export const HELD_BEHIND = 'held behind an earlier delivery of the same subject to the same destination';
/** Why a delivery waits for its paused connection, with the rule that paused it when known. */
function heldPaused(job: Job): string {
  const reason = job.target.kind === 'webhook' ? job.target.connection.pausedReason : undefined;
  return `held: the connection is paused (${reason ?? '410 Gone, failing too long, or an operator'}); resume it to deliver`;
}
const DEFERRED = 'deferred: the connection is at its rate_limit_per_s or max_in_flight';
/** Why a delivery to a connection answering slowly is deferred past its chunk's cap (decision 0028). */
export const DEFERRED_SLOW = 'deferred: the connection took over a second to answer its latest request';

/** A permanent failure: what `fail` dead-letters. */
type Failure = Exclude<Settlement, { status: 'succeeded' | 'retrying' }>;

/**
 * What becomes of a delivery, written as effects (attempt rows, parked rows, retry and dead-letter
 * records, lanes to release): one place for every channel, so a webhook and an email settle alike.
 */
export class SettlementEffects {
  constructor(
    private readonly records: OutgoingRecords,
    private readonly metrics: FlowlineMetrics,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly random: RandomSource,
  ) {}

  /** What an attempt's outcome means for the delivery (with jitter), counted and logged. */
  settle(
    job: Job,
    outcome: AttemptOutcome,
    latencyMs: number,
    policy: RetryPolicy,
    logContext: Record<string, unknown>,
  ): Settlement {
    const settlement = settleAttempt(outcome, job.retriesSoFar, policy, this.random());
    this.metrics.deliveryAttemptDuration.observe(latencyMs / 1000);
    this.metrics.deliveries.labels(settlement.status).inc();
    if (settlement.status === 'succeeded')
      this.metrics.endToEndLatency.observe((this.clock.now() - job.delivery.ingestedAt) / 1000);
    else
      this.logger.warn(
        { deliveryId: job.delivery.id, ...logContext, retry: job.retriesSoFar, reason: settlement.reason },
        'delivery attempt failed',
      );
    return settlement;
  }

  /** Logs the attempt with the delivery's new place in the queue, and produces its retry or dead letter. */
  apply(job: Job, effects: Effects, settlement: Settlement, attemptedAt: number, evidence: AttemptEvidence): void {
    if (settlement.status === 'retrying') {
      const due = this.clock.now() + settlement.delayMs;
      this.metrics.retries.labels(String(retryTier(settlement.delayMs))).inc();
      effects.messages.push(this.records.retry(job.key, job.bytes, job.origin, settlement.retry, due));
      effects.attempts.push(attemptRow(job, attemptedAt, 'retrying', settlement, evidence, due));
      return;
    }
    if (settlement.status !== 'succeeded') this.fail(job, effects, settlement);
    else if (job.fromQueue) freeLane(job, effects);
    effects.attempts.push(attemptRow(job, attemptedAt, settlement.status, settlement, evidence));
  }

  /** An attempt that is not one of the delivery's retries (an OAuth2 token refused and sent again). */
  logExtraAttempt(job: Job, effects: Effects, attemptedAt: number, evidence: AttemptEvidence): void {
    effects.attempts.push(attemptRow(job, attemptedAt, 'retrying', undefined, evidence));
  }

  /** A delivery that cannot be sent at all (no connection, no SMTP server...): failed, category `config`. */
  failUnusable(job: Job, effects: Effects, reason: string): DeliveryStatus {
    return this.failUnattempted(job, effects, 'config', reason);
  }

  /**
   * A delivery whose request cannot be built within the limits (a form or query encoding too
   * large): every attempt would build the same request, so it fails now, category `validation`.
   */
  failInvalidRequest(job: Job, effects: Effects, reason: string): DeliveryStatus {
    this.metrics.deliveries.labels('failed').inc();
    return this.failUnattempted(job, effects, 'validation', reason);
  }

  private failUnattempted(
    job: Job,
    effects: Effects,
    category: 'config' | 'validation',
    reason: string,
  ): DeliveryStatus {
    this.logger.warn({ deliveryId: job.delivery.id }, reason);
    this.fail(job, effects, { status: 'failed', category, reason, pauseConnection: false });
    effects.attempts.push(
      attemptRow(job, this.clock.now(), 'failed', undefined, {
        statusCode: null,
        latencyMs: 0,
        error: reason,
        responseExcerpt: null,
      }),
    );
    return 'failed';
  }

  /** Held unattempted: behind an earlier delivery of its lane, or for its paused connection. */
  hold(job: Job, effects: Effects, why: 'lane' | 'paused'): DeliveryStatus {
    effects.parked.push(parkedRow(job, 'held', why === 'lane' ? HELD_BEHIND : heldPaused(job)));
    this.metrics.deliveriesHeld.labels(why).inc();
    return 'held';
  }

  /** The connection's limits allow no request now: the delivery waits in a retry topic, unattempted. */
  defer(job: Job, effects: Effects, delayMs: number, reason = DEFERRED): DeliveryStatus {
    const due = this.clock.now() + delayMs;
    this.metrics.deliveriesHeld.labels('deferred').inc();
    effects.messages.push(this.records.retry(job.key, job.bytes, job.origin, Math.max(1, job.retriesSoFar), due));
    effects.parked.push({ ...parkedRow(job, 'retrying', reason), nextAttemptAt: new Date(due) });
    return 'retrying';
  }

  /** Dead-letters a delivery that failed for good (docs/CONTRACT.md §8): permanent, or out of retries. */
  private fail(job: Job, effects: Effects, settlement: Failure): void {
    const attempts = job.retriesSoFar + 1;
    effects.messages.push(
      this.records.deadLetter(job.key, job.bytes, job.origin, settlement.reason, settlement.category, attempts),
    );
    if (job.fromQueue) freeLane(job, effects);
  }
}

function freeLane(job: Job, effects: Effects): void {
  const lane = laneOf(job);
  if (lane) effects.released.add(lane);
}

/** Parked rows of jobs held behind their lanes, for `DeliveryStore.parkWhileHeld`. */
export function heldBehindLane(job: Job) {
  return parkedRow(job, 'held', HELD_BEHIND);
}
