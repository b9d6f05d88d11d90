/**
 * Where a delivery stands (decision 0009):
 * - `succeeded`: the receiver accepted it (2xx);
 * - `failed`: a permanent failure (4xx other than 429, 410, refused target, bad configuration,
 *   validation): dead-lettered without retries;
 * - `retrying`: it waits in a retry topic for its next attempt; it heads its lane;
 * - `held`: it waits behind an earlier delivery of its lane, or for its paused connection;
 * - `sending`: a held delivery being released (attempted) now, leased to the release;
 * - `abandoned`: it failed its last retry and was dead-lettered.
 */
export const DELIVERY_STATUSES = ['succeeded', 'failed', 'retrying', 'held', 'sending', 'abandoned'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Statuses of a delivery that holds its lane: the lane's later deliveries wait behind it. */
export const LANE_HOLDING_STATUSES = ['retrying', 'held', 'sending'] as const satisfies readonly DeliveryStatus[];

/** Statuses of the delivery heading its lane: waiting for its retry, or being attempted. */
export const LANE_HEAD_STATUSES = ['retrying', 'sending'] as const satisfies readonly DeliveryStatus[];

/** Statuses a delivery stays in until an operator submits it or a replay sends it again. */
export const SETTLED_STATUSES = ['succeeded', 'failed', 'abandoned'] as const satisfies readonly DeliveryStatus[];

/** Statuses of a delivery that failed for good and was dead-lettered. */
export const DEAD_LETTERED_STATUSES = ['failed', 'abandoned'] as const satisfies readonly DeliveryStatus[];

/** Statuses an attempt can leave a delivery in. */
export const ATTEMPT_OUTCOMES = [
  'succeeded',
  'failed',
  'retrying',
  'abandoned',
] as const satisfies readonly DeliveryStatus[];

/** The retry queue's statuses (docs/CONTRACT.md §8) over delivery statuses. */
export const RETRY_QUEUE_STATUSES = {
  retry: LANE_HOLDING_STATUSES,
  error: ['failed'],
  failed: ['abandoned'],
  done: ['succeeded'],
} as const satisfies Record<string, readonly DeliveryStatus[]>;

export function isSettled(status: DeliveryStatus): boolean {
  return (SETTLED_STATUSES as readonly DeliveryStatus[]).includes(status);
}

export function holdsLane(status: DeliveryStatus): boolean {
  return (LANE_HOLDING_STATUSES as readonly DeliveryStatus[]).includes(status);
}

/** A delivery before its first write: no row yet. */
export const NO_ROW = 'none';
type From = DeliveryStatus | typeof NO_ROW;

/**
 * The transition table: every write to a delivery is one of these moves, allowed only from the
 * listed statuses. The PostgreSQL store's conditional statements take their `WHERE status IN`
 * lists from here; the in-memory store refuses any other move, so the fast tests catch a caller
 * asking for one.
 */
export const DELIVERY_MOVES = {
  /**
   * An attempt was made (a new delivery, a due retry, a claimed release, a submit, or a replay
   * sending a settled one again). Never from `held`: a held delivery is claimed first.
   */
  attempt: { from: [NO_ROW, 'retrying', 'sending', ...SETTLED_STATUSES], to: ATTEMPT_OUTCOMES },
  /** Set aside unattempted: behind its lane or paused connection (`held`), or deferred by its connection's limits. */
  park: { from: [NO_ROW, ...DELIVERY_STATUSES], to: ['held', 'retrying'] },
  /** A release takes its lane's next delivery; a `sending` one is taken again once its lease expired. */
  claim: { from: ['held', 'sending'], to: ['sending'] },
  /** A release keeps its claim while the attempt lasts. */
  renewLease: { from: ['sending'], to: ['sending'] },
  /** A claimed delivery whose stored record cannot be read does not block its lane. */
  failUnreadable: { from: ['sending'], to: ['failed'] },
  /** The sweeper moves a retry whose record was lost to now and produces it again. */
  reschedule: { from: ['retrying'], to: ['retrying'] },
  /** An operator's "Submit to Retry Queue" (docs/CONTRACT.md §8): due now, with a fresh retry schedule. */
  submit: { from: ['retrying', 'failed', 'abandoned'], to: ['retrying'] },
  /**
   * A recovery job's resubmit (decision 0025): set `held` in its lane, on a fresh retry schedule,
   * for the dispatcher to release in lane order under its connection's limits.
   */
  recover: { from: ['retrying', 'failed', 'abandoned'], to: ['held'] },
  /** The mapper's validation failure: logged as failed, never attempted; a known id is left alone. */
  rejectInvalid: { from: [NO_ROW], to: ['failed'] },
} as const satisfies Record<string, { from: readonly From[]; to: readonly DeliveryStatus[] }>;
export type DeliveryMove = keyof typeof DELIVERY_MOVES;

export function mayMove(move: DeliveryMove, from: From, to: DeliveryStatus): boolean {
  const { from: allowedFrom, to: allowedTo } = DELIVERY_MOVES[move] as {
    from: readonly From[];
    to: readonly DeliveryStatus[];
  };
  return allowedFrom.includes(from) && allowedTo.includes(to);
}

/** The statuses a move starts from (a row must exist): the `WHERE status IN (...)` of its statement. */
export function movesFrom(move: DeliveryMove): DeliveryStatus[] {
  return (DELIVERY_MOVES[move].from as readonly From[]).filter((from): from is DeliveryStatus => from !== NO_ROW);
}

/**
 * Statuses as SQL literals, `'retrying', 'held'`, for `status IN (...)`. Literals rather than
 * parameters: the partial indexes on `deliveries` are defined by such lists, and the planner
 * uses one only when it can see the query's list implies the index's.
 */
export function sqlStatuses(statuses: readonly DeliveryStatus[]): string {
  return statuses.map(sqlStatus).join(', ');
}

export function sqlStatus(status: DeliveryStatus): string {
  if (!(DELIVERY_STATUSES as readonly string[]).includes(status)) throw new Error(`unknown delivery status ${status}`);
  return `'${status}'`;
}
