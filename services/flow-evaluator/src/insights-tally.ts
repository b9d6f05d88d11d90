import { hourOf, INSIGHTS_NOT_TRIGGERED_REASONS, InsightsNotTriggeredReason, InsightsTally } from '@flowline/db';
import type { NotTriggeredReason } from '@flowline/matching';

/** What evaluating one event came to, as the insights count it. */
export interface EvaluatedEvent {
  tenant: string;
  subject: string;
  /** A real event (not `test: true`): it counts in the live figures. */
  live: boolean;
  /** Epoch milliseconds of ingestion (see `ingestionTime`). */
  ingestedAt: number;
  /** The flows that took it: one action each. */
  flowIds: readonly string[];
  /** Set when it triggered nothing. */
  notTriggered?: NotTriggeredReason;
}

// The database's reasons and matching's are the same set, checked both ways at compile time.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const REASONS_AGREE: Same<NotTriggeredReason, InsightsNotTriggeredReason> = true;
void REASONS_AGREE;

/** JavaScript's Date range is within PostgreSQL's timestamptz range only from the epoch on. */
const MAX_TIME = 8.64e15;

/**
 * When ingest accepted the event. An event from an older version or another producer may lack
 * `ingestedAt` (or carry nonsense): its record's timestamp is the next best, and it must not
 * become a time PostgreSQL refuses, which would stop the partition on every retry.
 */
export function ingestionTime(ingestedAt: unknown, recordTimestamp: number): number {
  const valid = (time: unknown): time is number =>
    typeof time === 'number' && Number.isFinite(time) && time >= 0 && time <= MAX_TIME;
  if (valid(ingestedAt)) return ingestedAt;
  return valid(recordTimestamp) ? recordTimestamp : Date.now();
}

/**
 * A chunk's evaluations folded into one tally per (tenant, hour of ingestion, live), ready for
 * one write. Every event is a change processed; it either triggers actions (one per flow that
 * took it) or counts once as not triggered, with the reason matching gave.
 */
export function tallyInsights(events: readonly EvaluatedEvent[]): InsightsTally[] {
  const tallies = new Map<string, Accumulator>();
  for (const event of events) {
    // PostgreSQL text cannot hold NUL. Ingest refuses such ids; only a foreign record could carry one.
    if (event.tenant.includes('\u0000')) continue;
    const hour = hourOf(event.ingestedAt);
    const key = JSON.stringify([event.tenant, hour.getTime(), event.live]);
    let tally = tallies.get(key);
    if (!tally) {
      tally = {
        tenant: event.tenant,
        hour,
        live: event.live,
        changesProcessed: 0,
        actionsTriggered: 0,
        notTriggered: Object.fromEntries(INSIGHTS_NOT_TRIGGERED_REASONS.map((reason) => [reason, 0])) as Record<
          InsightsNotTriggeredReason,
          number
        >,
        subjects: new Set(),
        flowIds: new Set(),
      };
      tallies.set(key, tally);
    }
    tally.changesProcessed += 1;
    tally.actionsTriggered += event.flowIds.length;
    if (event.notTriggered) tally.notTriggered[event.notTriggered] += 1;
    tally.subjects.add(event.subject);
    for (const flowId of event.flowIds) tally.flowIds.add(flowId);
  }
  return [...tallies.values()].map((tally) => ({
    ...tally,
    subjects: [...tally.subjects],
    flowIds: [...tally.flowIds],
  }));
}

interface Accumulator extends Omit<InsightsTally, 'notTriggered' | 'subjects' | 'flowIds'> {
  notTriggered: Record<InsightsNotTriggeredReason, number>;
  subjects: Set<string>;
  flowIds: Set<string>;
}
