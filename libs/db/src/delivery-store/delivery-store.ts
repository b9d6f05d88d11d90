import { storableText, type FailureCategory } from '@flowline/contracts';
import type { DeliveryStatus } from './delivery-status';

/** What happened in one attempt of one delivery. */
export interface AttemptRecord {
  deliveryId: string;
  tenant: string;
  subject: string;
  connectionId: string | null;
  flowId?: string;
  sequenceId?: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attemptedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
  /** Where the delivery stands in the retry queue after this attempt (decision 0009). */
  queue?: QueueFields;
}

/** A delivery's retry-queue columns, written with its latest attempt. */
export interface QueueFields {
  channel: 'webhook' | 'email';
  /** Null with `ordering: none`. */
  lane: string | null;
  /** The delivery record, kept unless it succeeded: for its retries and for a resubmit. */
  message: Buffer | null;
  category: FailureCategory | null;
  retryCount: number;
  nextAttemptAt: Date | null;
  /** `topic/partition/offset` of the delivery record as first consumed. */
  origin: string | null;
}

/** A delivery parked without an attempt. */
export interface ParkedDelivery {
  deliveryId: string;
  tenant: string;
  subject: string;
  connectionId: string | null;
  flowId?: string;
  sequenceId?: string;
  eventId: string;
  eventType: string;
  channel: 'webhook' | 'email';
  lane: string;
  message: Buffer;
  /** Why it waits, shown in the retry queue. */
  reason: string;
  /** `held` behind its lane or paused connection, or `retrying`: deferred to a retry topic unattempted. */
  status: 'held' | 'retrying';
  retryCount: number;
  nextAttemptAt: Date | null;
  origin: string | null;
}

/** A delivery the mapper could not render because its mapping's validation failed (docs/CONTRACT.md §5). */
export interface ValidationFailureRecord {
  /** The id (`webhook-id`) the delivery would have had. */
  deliveryId: string;
  tenant: string;
  subject: string;
  channel: 'webhook' | 'email';
  connectionId: string | null;
  flowId: string | null;
  sequenceId: string | null;
  eventId: string;
  eventType: string;
  /** Why: the mapping's validation errors. */
  error: string;
  failedAt: Date;
}

/** What the queue says of a chunk's deliveries and lanes before they are attempted. */
export interface QueueView {
  /** The chunk's deliveries seen before, in whatever state. */
  known: Map<string, KnownDelivery>;
  /** Lanes of the chunk held by a waiting delivery. */
  heldLanes: Set<string>;
}

export interface KnownDelivery {
  status: DeliveryStatus;
  retryCount: number;
  lane: string | null;
  /** Epoch ms of the retry it waits for: the retry record carrying the same due time is the current one. */
  nextAttemptAt: number | null;
  /** `topic/partition/offset` of the record it was first consumed from. */
  origin: string | null;
}

/** How far one step of the walk through held lanes goes (see `DeliveryStore.releasableLanes`). */
export interface LaneWalkBudget {
  /** Lanes looked at, at most. */
  lanes: number;
  /** Releasable lanes found, at most. */
  found: number;
}

/** One step of the walk through held lanes. */
export interface LaneWalk {
  releasable: string[];
  /**
   * The lane the next step starts after; null when this step found no more lanes. A step whose
   * budget ends on the last lane still answers it, and the step after finds none.
   */
  next: string | null;
}

/** A delivery whose retry is long overdue: its retry record was lost (a crash between storing and producing). */
export interface OverdueRetry {
  id: string;
  message: Buffer;
  retryCount: number;
  origin: string | null;
  nextAttemptAt: number;
}

export interface ClaimedDelivery {
  id: string;
  message: Buffer;
  retryCount: number;
  origin: string | null;
  /** Why it waited (its `last_error`): kept if it is set back `held` unattempted. */
  reason: string | null;
}

/**
 * A `sending` delivery is leased to the release attempting it, which renews the lease every
 * `SENDING_LEASE_RENEW_MS` while its attempt lasts; one not renewed for `SENDING_LEASE_S` was
 * left by a crash, and is claimed (and sent) again.
 */
export const SENDING_LEASE_S = 30;
export const SENDING_LEASE_RENEW_MS = 10_000;

/** How many of the failures a `delivery.abandoned` digest names; the rest are counted only. */
export const DIGEST_FIRST_FAILURES = 10;

/** One abandoned delivery as a `delivery.abandoned` notification lists it: no subject, no body. */
export interface AbandonedFailure {
  delivery_id: string;
  event_type: string;
  status_code: number | null;
  error: string | null;
  at: string;
}

export function abandonedFailure(attempt: AttemptRecord): AbandonedFailure {
  return {
    delivery_id: attempt.deliveryId,
    event_type: attempt.eventType,
    status_code: attempt.statusCode,
    error: attempt.error === null ? null : storableText(attempt.error),
    at: attempt.attemptedAt.toISOString(),
  };
}

/**
 * The one owner of the delivery lifecycle (decisions 0009 and 0013): every write to `deliveries`
 * and `delivery_attempts` goes through a store, each one a move of `DELIVERY_MOVES`. A lane is
 * one subject's deliveries to one destination; while one of them waits (for a retry, or for its
 * paused connection) the later ones are held, in order, and released one by one once it settled.
 * `PostgresDeliveryStore` is the real one; `MemoryDeliveryStore` its twin for fast tests, held to
 * the same contract tests.
 */
export abstract class DeliveryStore {
  /**
   * One read per chunk: what is known of its deliveries (those never seen are absent), and which
   * of its lanes are held (pass no lanes to ask only the former).
   */
  abstract view(ids: readonly string[], lanes: readonly string[]): Promise<QueueView>;

  /**
   * Writes a chunk's attempts (each delivery's row takes its last attempt's state and counts them
   * all; a delivery to a connection it abandons joins that connection's `delivery.abandoned`
   * digest), then its parked deliveries: one transaction. Attempts first, so a delivery that now
   * waits for a retry takes its place in its lane before the deliveries parked behind it.
   */
  abstract record(attempts: readonly AttemptRecord[], parked?: readonly ParkedDelivery[]): Promise<void>;

  /**
   * Parks the deliveries whose lanes are still held, checked again under the lanes' locks (a
   * lane may have been released since `view`); answers the lanes that were held.
   */
  abstract parkWhileHeld(candidates: readonly ParkedDelivery[]): Promise<Set<string>>;

  /**
   * A lane's next `limit` deliveries to release, in lane order, marked `sending` in one statement
   * (one lease for all); none while a delivery of the lane waits for a retry or is being sent by
   * someone else (another replica's release). Those the release does not attempt (one before
   * them had to wait) it parks again (`held`): each keeps its place in the lane.
   */
  abstract claimBatch(lane: string, limit: number): Promise<ClaimedDelivery[]>;

  /** The next delivery of a lane to release: `claimBatch` of one. */
  async claimNext(lane: string): Promise<ClaimedDelivery | undefined> {
    return (await this.claimBatch(lane, 1))[0];
  }

  /** Keeps claimed deliveries' lease while their attempts last (those no longer `sending` are left alone). */
  abstract renewClaims(ids: readonly string[]): Promise<void>;

  /** A claimed delivery whose stored record cannot be read: failed, so it does not block its lane. */
  abstract failUnreadable(id: string, error: string): Promise<void>;

  /**
   * One step of a walk through the lanes that hold deliveries, in the store's order of lanes,
   * from the first lane after `after` ('' for the first lane): the lanes with held deliveries that
   * nobody is releasing. A lane is read by its head, its first waiting delivery in lane order (a
   * retry or a lease keeps the head; everything behind was parked or claimed after it): releasable
   * when the head is held or its lease expired, and its connection is not paused. The step ends
   * after `budget.lanes` lanes or `budget.found` releasable ones, so its cost does not grow with
   * what a failing receiver has parked (decision 0042). Only heads first consumed from topics of
   * `originPrefix` (FLOWLINE_TOPIC_PREFIX) count: installations (or tests) sharing a database
   * never sweep each other's deliveries into their own topics.
   */
  abstract releasableLanes(originPrefix: string, after: string, budget: LaneWalkBudget): Promise<LaneWalk>;

  /**
   * Retries overdue by `overdueS`, moved to now: the caller produces their retry records again
   * (the old ones, if they still come, no longer match `next_attempt_at` and are skipped).
   */
  abstract takeOverdueRetries(originPrefix: string, overdueS: number, limit: number): Promise<OverdueRetry[]>;

  /**
   * Marks an item submitted (docs/CONTRACT.md §8 "Submit to Retry Queue"): `retrying`, due now, with a
   * fresh retry schedule, in one statement that re-checks it may be submitted (a concurrent
   * submit or attempt may have moved it). Answers the due time the dispatcher will match the
   * submitted record against (whole milliseconds), or undefined when it could not be marked.
   */
  abstract markSubmitted(tenant: string, id: string): Promise<number | undefined>;

  /**
   * A recovery job's batch (decision 0025): each of `ids` (in the order its lane must deliver
   * them) that may be submitted (retrying, failed or abandoned, record kept, the tenant's) is set
   * `held` at the end of its lane (a waiting one keeps its place), on a fresh retry schedule, with
   * `reason`, tagged with the job; the dispatcher's sweeper then releases each lane in order.
   * Answers the ids that moved; others (delivered, held or sending meanwhile) are left alone.
   */
  abstract holdForRecovery(tenant: string, ids: readonly string[], jobId: string, reason: string): Promise<string[]>;

  /**
   * Validation failures in the delivery log: a failed delivery with category `validation`, never
   * attempted (attempts 0) and never retried, so the activity feed, the retry queue (as an error)
   * and the insights' validation errors all show it. No record is kept: retrying cannot help. A
   * redelivered action, or an id the log already holds, changes nothing.
   */
  abstract recordValidationFailures(failures: readonly ValidationFailureRecord[]): Promise<void>;
}
