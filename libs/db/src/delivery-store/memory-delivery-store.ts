import type { FailureCategory } from '@flowline/contracts';
import { DeliveryMove, DeliveryStatus, holdsLane, mayMove, movesFrom, NO_ROW } from './delivery-status';
import {
  AbandonedFailure,
  abandonedFailure,
  AttemptRecord,
  DIGEST_FIRST_FAILURES,
  ClaimedDelivery,
  DeliveryStore,
  LaneWalk,
  LaneWalkBudget,
  OverdueRetry,
  ParkedDelivery,
  QueueView,
  SENDING_LEASE_S,
  ValidationFailureRecord,
} from './delivery-store';

/** Runs a write as PostgreSQL would answer it: an error is a rejected promise, never a throw. */
function settled<T>(write: () => T): Promise<T> {
  try {
    return Promise.resolve(write());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** A `deliveries` row as the twin keeps it: the columns the lifecycle reads and writes. */
export interface MemoryDeliveryRow {
  id: string;
  tenant: string;
  subject: string;
  connectionId: string | null;
  flowId: string | null;
  sequenceId: string | null;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
  channel: 'webhook' | 'email';
  lane: string | null;
  laneSeq: number | null;
  message: Buffer | null;
  category: FailureCategory | null;
  origin: string | null;
  retryCount: number;
  nextAttemptAt: number | null;
  queuedAt: number | null;
  /** The recovery job that last resubmitted it (decision 0025). */
  recoveryJobId: string | null;
}

/** A `delivery_attempts` row. */
export interface MemoryAttemptRow {
  deliveryId: string;
  tenant: string;
  attemptedAt: number;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

export interface MemoryDeliveryStoreOptions {
  /** The store's clock, as PostgreSQL's `now()`: epoch milliseconds. */
  now: () => number;
  /** Whether a connection is paused (the PostgreSQL store joins `connections.paused_at`). */
  isConnectionPaused?: (connectionId: string) => boolean;
}

/**
 * `DeliveryStore`'s in-memory twin, for tests of the logic above the store: the same contract
 * tests hold for it and for `PostgresDeliveryStore`. Every write checks its move against
 * `DELIVERY_MOVES` and throws on one the table forbids, so a test also fails when the logic
 * asks for a move it should never make. Single-threaded, so the locks are not needed.
 */
export class MemoryDeliveryStore extends DeliveryStore {
  private readonly rows = new Map<string, MemoryDeliveryRow>();
  private readonly attemptRows: MemoryAttemptRow[] = [];
  /** `notification_digests`: deliveries abandoned per connection, with the first failures. */
  private readonly digests = new Map<string, { tenant: string; count: number; firstFailures: AbandonedFailure[] }>();
  private laneSeq = 0;
  private readonly now: () => number;
  private readonly isConnectionPaused: (connectionId: string) => boolean;

  constructor(options: MemoryDeliveryStoreOptions) {
    super();
    this.now = options.now;
    this.isConnectionPaused = options.isConnectionPaused ?? (() => false);
  }

  /** A copy of a delivery's row, or undefined: for tests' assertions. */
  row(id: string): MemoryDeliveryRow | undefined {
    const row = this.rows.get(id);
    return row && { ...row };
  }

  /** Every stored row, in the order first written. */
  allRows(): MemoryDeliveryRow[] {
    return [...this.rows.values()].map((row) => ({ ...row }));
  }

  /** A delivery's attempts in the order written. */
  attemptsOf(id: string): MemoryAttemptRow[] {
    return this.attemptRows.filter((attempt) => attempt.deliveryId === id).map((attempt) => ({ ...attempt }));
  }

  /** Makes a claim's lease look `ms` older, as a release that crashed leaves it. */
  ageLease(id: string, ms: number): void {
    const row = this.rows.get(id);
    if (row) row.updatedAt -= ms;
  }

  view(ids: readonly string[], lanes: readonly string[]): Promise<QueueView> {
    return settled(() => {
      const wanted = new Set(ids);
      const asked = new Set(lanes);
      const view: QueueView = { known: new Map(), heldLanes: new Set() };
      for (const row of this.rows.values()) {
        const holding = row.lane !== null && holdsLane(row.status);
        if (wanted.has(row.id))
          view.known.set(row.id, {
            status: row.status,
            retryCount: row.retryCount,
            lane: row.lane,
            nextAttemptAt: row.nextAttemptAt,
            origin: row.origin,
          });
        if (holding && (wanted.has(row.id) || asked.has(row.lane!))) view.heldLanes.add(row.lane!);
      }
      return view;
    });
  }

  record(attempts: readonly AttemptRecord[], parked: readonly ParkedDelivery[] = []): Promise<void> {
    return settled(() => {
      this.recordAttempts(attempts);
      this.insertParked(parked);
    });
  }

  parkWhileHeld(candidates: readonly ParkedDelivery[]): Promise<Set<string>> {
    return settled(() => {
      const held = new Set(candidates.map((c) => c.lane).filter((lane) => this.laneHeld(lane)));
      this.insertParked(candidates.filter((c) => held.has(c.lane)));
      return held;
    });
  }

  claimBatch(lane: string, limit: number): Promise<ClaimedDelivery[]> {
    return settled(() => {
      const inLane = this.inLane(lane);
      if (inLane.some((row) => row.status === 'retrying' || this.leased(row))) return [];
      const next = inLane
        .filter((row) => movesFrom('claim').includes(row.status))
        .sort((a, b) => (a.laneSeq ?? Infinity) - (b.laneSeq ?? Infinity))
        .slice(0, Math.max(0, limit));
      return next.map((row) => {
        this.move(row, 'claim', 'sending');
        row.updatedAt = this.now();
        return {
          id: row.id,
          message: row.message!,
          retryCount: row.retryCount,
          origin: row.origin,
          reason: row.lastError,
        };
      });
    });
  }

  renewClaims(ids: readonly string[]): Promise<void> {
    return settled(() => {
      for (const id of ids) {
        const row = this.rows.get(id);
        if (row && movesFrom('renewLease').includes(row.status)) {
          this.move(row, 'renewLease', 'sending');
          row.updatedAt = this.now();
        }
      }
    });
  }

  failUnreadable(id: string, error: string): Promise<void> {
    return settled(() => {
      const row = this.rows.get(id);
      if (row && movesFrom('failUnreadable').includes(row.status)) {
        this.move(row, 'failUnreadable', 'failed');
        Object.assign(row, { category: 'system', lastError: error, updatedAt: this.now() });
      }
    });
  }

  releasableLanes(originPrefix: string, after: string, budget: LaneWalkBudget): Promise<LaneWalk> {
    return settled(() => {
      // Each lane's head: its first waiting delivery in lane order, as PostgreSQL's walk reads it.
      const heads = new Map<string, MemoryDeliveryRow>();
      for (const row of this.rows.values()) {
        if (row.lane === null || !holdsLane(row.status) || row.lane <= after) continue;
        const head = heads.get(row.lane);
        if (head === undefined || (row.laneSeq ?? Infinity) < (head.laneSeq ?? Infinity)) heads.set(row.lane, row);
      }
      const lanes = [...heads.keys()].sort();
      const releasable: string[] = [];
      for (const [walked, lane] of lanes.entries()) {
        const head = heads.get(lane)!;
        if (
          movesFrom('claim').includes(head.status) &&
          !this.leased(head) &&
          head.origin?.startsWith(originPrefix) === true &&
          !(head.connectionId !== null && this.isConnectionPaused(head.connectionId))
        )
          releasable.push(lane);
        if (walked + 1 >= budget.lanes || releasable.length >= budget.found) return { releasable, next: lane };
      }
      return { releasable, next: null };
    });
  }

  takeOverdueRetries(originPrefix: string, overdueS: number, limit: number): Promise<OverdueRetry[]> {
    return settled(() => {
      const now = this.now();
      const taken: OverdueRetry[] = [];
      for (const row of this.rows.values()) {
        if (taken.length >= limit) break;
        if (!movesFrom('reschedule').includes(row.status) || row.message === null) continue;
        if (row.nextAttemptAt === null || row.nextAttemptAt >= now - overdueS * 1000) continue;
        if (!row.origin?.startsWith(originPrefix)) continue;
        this.move(row, 'reschedule', 'retrying');
        Object.assign(row, { nextAttemptAt: now, updatedAt: now });
        taken.push({
          id: row.id,
          message: row.message,
          retryCount: row.retryCount,
          origin: row.origin,
          nextAttemptAt: now,
        });
      }
      return taken;
    });
  }

  markSubmitted(tenant: string, id: string): Promise<number | undefined> {
    return settled(() => {
      const row = this.rows.get(id);
      if (!row || row.tenant !== tenant || row.message === null || !movesFrom('submit').includes(row.status))
        return undefined;
      const now = this.now();
      this.move(row, 'submit', 'retrying');
      Object.assign(row, {
        retryCount: 0,
        nextAttemptAt: now,
        laneSeq: row.laneSeq ?? this.nextLaneSeq(),
        updatedAt: now,
      });
      return now;
    });
  }

  holdForRecovery(tenant: string, ids: readonly string[], jobId: string, reason: string): Promise<string[]> {
    return settled(() => {
      const moved: string[] = [];
      for (const id of ids) {
        const row = this.rows.get(id);
        if (!row || row.tenant !== tenant || row.message === null || !movesFrom('recover').includes(row.status))
          continue;
        const keepsPlace = row.status === 'retrying' && row.laneSeq !== null;
        this.move(row, 'recover', 'held');
        Object.assign(row, {
          retryCount: 0,
          nextAttemptAt: null,
          lastError: reason,
          lane: row.lane ?? JSON.stringify([row.tenant, row.id]),
          laneSeq: keepsPlace ? row.laneSeq : this.nextLaneSeq(),
          recoveryJobId: jobId,
          updatedAt: this.now(),
        });
        moved.push(id);
      }
      return moved;
    });
  }

  recordValidationFailures(failures: readonly ValidationFailureRecord[]): Promise<void> {
    return settled(() => {
      for (const f of [...failures].sort((a, b) => (a.deliveryId < b.deliveryId ? -1 : 1))) {
        if (this.rows.has(f.deliveryId)) continue;
        const failedAt = f.failedAt.getTime();
        this.insert({
          ...this.blankRow(f.deliveryId, f),
          flowId: f.flowId,
          sequenceId: f.sequenceId,
          channel: f.channel,
          status: this.moveFromNone('rejectInvalid', 'failed'),
          lastError: f.error,
          category: 'validation',
          createdAt: failedAt,
          updatedAt: failedAt,
          queuedAt: failedAt,
        });
      }
    });
  }

  /** A connection's `delivery.abandoned` digest, or undefined: for tests' assertions. */
  digestOf(connectionId: string): { count: number; firstFailures: AbandonedFailure[] } | undefined {
    const digest = this.digests.get(connectionId);
    return digest && { count: digest.count, firstFailures: [...digest.firstFailures] };
  }

  private countAbandoned(attempts: readonly AttemptRecord[]): void {
    for (const a of attempts) {
      if (a.status !== 'abandoned' || a.connectionId === null || !a.queue?.origin) continue;
      const digest = this.digests.get(a.connectionId) ?? { tenant: a.tenant, count: 0, firstFailures: [] };
      digest.count += 1;
      if (digest.firstFailures.length < DIGEST_FIRST_FAILURES) digest.firstFailures.push(abandonedFailure(a));
      this.digests.set(a.connectionId, digest);
    }
  }

  private recordAttempts(attempts: readonly AttemptRecord[]): void {
    this.countAbandoned(attempts);
    for (const a of attempts)
      this.attemptRows.push({
        deliveryId: a.deliveryId,
        tenant: a.tenant,
        attemptedAt: a.attemptedAt.getTime(),
        statusCode: a.statusCode,
        latencyMs: Math.round(a.latencyMs),
        error: a.error,
        responseExcerpt: a.responseExcerpt,
      });
    const latest = new Map(attempts.map((a) => [a.deliveryId, a]));
    const counts = new Map<string, number>();
    for (const a of attempts) counts.set(a.deliveryId, (counts.get(a.deliveryId) ?? 0) + 1);
    for (const a of latest.values()) {
      const attemptedAt = a.attemptedAt.getTime();
      const succeeded = a.status === 'succeeded';
      const seq = a.status === 'retrying' ? this.nextLaneSeq() : null;
      const queue = a.queue;
      const fields = {
        lastStatusCode: a.statusCode,
        lastError: a.error,
        updatedAt: attemptedAt,
        channel: queue?.channel ?? 'webhook',
        lane: queue?.lane ?? null,
        retryCount: queue?.retryCount ?? 0,
        nextAttemptAt: queue?.nextAttemptAt?.getTime() ?? null,
      } as const;
      const message = succeeded ? null : (queue?.message ?? null);
      const row = this.rows.get(a.deliveryId);
      if (!row) {
        this.insert({
          ...this.blankRow(a.deliveryId, a),
          ...fields,
          flowId: a.flowId ?? null,
          sequenceId: a.sequenceId ?? null,
          status: this.moveFromNone('attempt', a.status),
          attempts: counts.get(a.deliveryId) ?? 1,
          deliveredAt: succeeded ? attemptedAt : null,
          laneSeq: seq,
          message,
          category: queue?.category ?? null,
          origin: queue?.origin ?? null,
          queuedAt: succeeded ? null : attemptedAt,
        });
        continue;
      }
      const wasHolding = holdsLane(row.status);
      this.move(row, 'attempt', a.status);
      Object.assign(row, fields, {
        attempts: row.attempts + (counts.get(a.deliveryId) ?? 1),
        deliveredAt: row.deliveredAt ?? (succeeded ? attemptedAt : null),
        laneSeq: a.status !== 'retrying' ? null : wasHolding ? row.laneSeq : seq,
        message: succeeded ? null : (message ?? row.message),
        category: queue?.category ?? row.category,
        queuedAt: row.queuedAt ?? (succeeded ? null : attemptedAt),
        origin: row.origin ?? queue?.origin ?? null,
      });
    }
  }

  private insertParked(parked: readonly ParkedDelivery[]): void {
    const now = this.now();
    for (const p of parked) {
      const seq = this.nextLaneSeq();
      const fields = {
        status: p.status,
        lastError: p.reason,
        lane: p.lane,
        message: p.message,
        retryCount: p.retryCount,
        nextAttemptAt: p.nextAttemptAt?.getTime() ?? null,
        updatedAt: now,
      };
      const row = this.rows.get(p.deliveryId);
      if (!row) {
        this.moveFromNone('park', p.status);
        this.insert({
          ...this.blankRow(p.deliveryId, p),
          ...fields,
          flowId: p.flowId ?? null,
          sequenceId: p.sequenceId ?? null,
          channel: p.channel,
          laneSeq: seq,
          origin: p.origin,
          queuedAt: now,
        });
        continue;
      }
      const wasHolding = holdsLane(row.status);
      this.move(row, 'park', p.status);
      Object.assign(row, fields, {
        laneSeq: wasHolding ? row.laneSeq : seq,
        queuedAt: row.queuedAt ?? now,
        origin: row.origin ?? p.origin,
      });
    }
  }

  private blankRow(
    id: string,
    of: { tenant: string; subject: string; connectionId: string | null; eventId: string; eventType: string },
  ): MemoryDeliveryRow {
    const now = this.now();
    return {
      id,
      tenant: of.tenant,
      subject: of.subject,
      connectionId: of.connectionId,
      flowId: null,
      sequenceId: null,
      eventId: of.eventId,
      eventType: of.eventType,
      status: 'failed',
      attempts: 0,
      lastStatusCode: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
      deliveredAt: null,
      channel: 'webhook',
      lane: null,
      laneSeq: null,
      message: null,
      category: null,
      origin: null,
      retryCount: 0,
      nextAttemptAt: null,
      queuedAt: null,
      recoveryJobId: null,
    };
  }

  private insert(row: MemoryDeliveryRow): void {
    this.rows.set(row.id, row);
  }

  private laneHeld(lane: string): boolean {
    return this.inLane(lane).some((row) => holdsLane(row.status));
  }

  private inLane(lane: string): MemoryDeliveryRow[] {
    return [...this.rows.values()].filter((row) => row.lane === lane);
  }

  private leased(row: MemoryDeliveryRow): boolean {
    return row.status === 'sending' && row.updatedAt > this.now() - SENDING_LEASE_S * 1000;
  }

  private nextLaneSeq(): number {
    return ++this.laneSeq;
  }

  private move(row: MemoryDeliveryRow, move: DeliveryMove, to: DeliveryStatus): void {
    if (!mayMove(move, row.status, to))
      throw new Error(`delivery ${row.id}: ${move} may not move it from ${row.status} to ${to}`);
    row.status = to;
  }

  private moveFromNone(move: DeliveryMove, to: DeliveryStatus): DeliveryStatus {
    if (!mayMove(move, NO_ROW, to)) throw new Error(`a new delivery: ${move} may not make it ${to}`);
    return to;
  }
}
