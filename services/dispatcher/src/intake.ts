import { holdsLane, isSettled, KnownDelivery } from '@flowline/db';

/**
 * What to do with a record of `flowline.deliveries` (a new delivery, or an operator's submit),
 * given what the store knows of its delivery. Pure: decision 0009's rules in one place.
 */
export type NewRecordDecision =
  /** Attempt it (unless its lane turns out to be held: see `parkBehindHeldLanes`). */
  | { kind: 'attempt'; retriesSoFar: number; fromQueue: boolean; resubmitted: boolean }
  /** Seen again after a crash while it waits for a retry: its retry record may have been lost. */
  | { kind: 'reproduce-retry'; retry: number; dueAt: number }
  | { kind: 'skip'; why: 'submit-superseded' | 'settled-before-crash' | 'waiting' };

export interface NewRecord {
  /** Marked `flowline-resubmit: 1` by the api's submit. */
  resubmit: boolean;
  /** The record's `flowline-due-at` (a submit's due time), 0 without one. */
  dueAt: number;
  /** `topic/partition/offset` of this record. */
  origin: string;
}

export function intakeNew(record: NewRecord, known: KnownDelivery | undefined): NewRecordDecision {
  if (record.resubmit) {
    // An operator's submit (the api set the row to retrying, due now): attempted at once, unless
    // a later submit or an attempt has moved the delivery on since.
    return known?.status === 'retrying' && known.nextAttemptAt === record.dueAt
      ? { kind: 'attempt', retriesSoFar: known.retryCount, fromQueue: true, resubmitted: true }
      : { kind: 'skip', why: 'submit-superseded' };
  }
  const seenBefore = known !== undefined && known.origin === record.origin;
  // Settled before a crash left its offset uncommitted.
  if (seenBefore && isSettled(known.status)) return { kind: 'skip', why: 'settled-before-crash' };
  if (known && holdsLane(known.status)) {
    // It waits in the queue already. Seen again after a crash: its retry record may not have
    // been produced, so it is produced again (a copy that did go out is skipped as stale).
    if (seenBefore && known.status === 'retrying' && known.nextAttemptAt !== null)
      return { kind: 'reproduce-retry', retry: Math.max(1, known.retryCount), dueAt: known.nextAttemptAt };
    return { kind: 'skip', why: 'waiting' };
  }
  // Never seen, or settled from another record (a replay): attempted.
  return { kind: 'attempt', retriesSoFar: 0, fromQueue: false, resubmitted: false };
}

/** What to do with a due record of a retry topic. */
export type RetryRecordDecision =
  | { kind: 'attempt'; retriesSoFar: number }
  /** Stale, and its delivery settled: make sure its lane was released (a crash may have cut that short). */
  | { kind: 'release-lane'; lane: string }
  /** Stale: resubmitted, moved by the sweeper, or a copy produced twice around a crash. */
  | { kind: 'skip' };

/** A retry record is current only while its delivery is `retrying` with the same due time (decision 0009). */
export function intakeRetry(dueAt: number, known: KnownDelivery | undefined): RetryRecordDecision {
  if (known?.status === 'retrying' && known.nextAttemptAt === dueAt)
    return { kind: 'attempt', retriesSoFar: known.retryCount };
  if (known?.lane && isSettled(known.status)) return { kind: 'release-lane', lane: known.lane };
  return { kind: 'skip' };
}

/**
 * The records of a retry chunk to attempt now, and where the partition waits: every due record is
 * attempted, also those behind one that is not; the partition then pauses until the earliest
 * record not yet due and is read again from the first of them (decision 0009).
 */
export function splitDue<R>(
  records: readonly R[],
  dueAt: (record: R) => number,
  now: number,
): { due: R[]; wait?: { handled: number; pauseUntil: number } } {
  const due = records.filter((record) => dueAt(record) <= now);
  const notDue = records.filter((record) => dueAt(record) > now);
  if (notDue.length === 0) return { due };
  return { due, wait: { handled: records.indexOf(notDue[0]!), pauseUntil: Math.min(...notDue.map(dueAt)) } };
}

/**
 * The jobs to park rather than attempt: those whose lane a waiting delivery holds. An operator's
 * submit goes ahead of its lane (it is the lane's head).
 */
export function parkBehindHeldLanes<J extends { lane: string | null; resubmitted: boolean }>(
  jobs: readonly J[],
  heldLanes: ReadonlySet<string>,
): J[] {
  return jobs.filter((job) => !job.resubmitted && job.lane !== null && heldLanes.has(job.lane));
}

/**
 * Jobs grouped by subject (their message key), in order within each: subjects go concurrently,
 * one subject's deliveries one after another.
 */
export function bySubject<J extends { key: string }>(jobs: readonly J[]): J[][] {
  const groups = new Map<string, J[]>();
  for (const job of jobs) {
    const group = groups.get(job.key);
    if (group) group.push(job);
    else groups.set(job.key, [job]);
  }
  return [...groups.values()];
}
