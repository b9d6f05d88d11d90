import { storableText, type FailureCategory } from '@flowline/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../repositories/returned-rows';
import { SqlParams } from '../repositories/sql-params';
import { DeliveryStatus, holdsLane, LANE_HOLDING_STATUSES, movesFrom, sqlStatus, sqlStatuses } from './delivery-status';
import {
  AttemptRecord,
  ClaimedDelivery,
  DeliveryStore,
  OverdueRetry,
  ParkedDelivery,
  QueueView,
  abandonedFailure,
  DIGEST_FIRST_FAILURES,
  LaneWalk,
  LaneWalkBudget,
  SENDING_LEASE_S,
  ValidationFailureRecord,
} from './delivery-store';

const HOLDING = sqlStatuses(LANE_HOLDING_STATUSES);
/** The categories of the store's own failures: a record that cannot be read, a mapping that failed validation. */
const UNREADABLE: FailureCategory = 'system';
const INVALID: FailureCategory = 'validation';
const RETRYING = sqlStatus('retrying');
const SENDING = sqlStatus('sending');
const SUCCEEDED = sqlStatus('succeeded');
/** A `sending` delivery whose lease is still alive: someone is attempting it now. */
const LEASED = (alias: string) =>
  `(${alias}status = ${SENDING} AND ${alias}updated_at > now() - interval '${SENDING_LEASE_S} seconds')`;

/** The delivery lifecycle in PostgreSQL: `deliveries` and `delivery_attempts` (see `DeliveryStore`). */
export class PostgresDeliveryStore extends DeliveryStore {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async view(ids: readonly string[], lanes: readonly string[]): Promise<QueueView> {
    const params = new SqlParams();
    // The deliveries asked for (through the primary key, whatever the statistics say: decision
    // 0039), and one row (id NULL) per asked lane that something holds: a lane held by a failing
    // receiver can have thousands of deliveries parked behind its head, and reading them all for
    // every chunk made PostgreSQL the bottleneck of a healthy neighbour (issue 13).
    const rows: Array<{
      id: string | null;
      lane: string | null;
      status: DeliveryStatus | null;
      retry_count: number;
      next_attempt_at: Date | null;
      origin: string | null;
    }> = await this.dataSource.query(
      `SELECT id, lane, status, retry_count, next_attempt_at, origin FROM flowline_deliveries_by_id(${params.array(ids, 'text')})
       UNION ALL
       SELECT NULL, asked.lane, NULL, NULL, NULL, NULL FROM ${heldOf(params.array(lanes, 'text'))} AS asked(lane)`,
      params.values,
    );
    const view: QueueView = { known: new Map(), heldLanes: new Set() };
    for (const row of rows) {
      if (row.id === null) {
        view.heldLanes.add(row.lane!);
        continue;
      }
      const status = row.status!;
      view.known.set(row.id, {
        status,
        retryCount: row.retry_count,
        lane: row.lane,
        nextAttemptAt: row.next_attempt_at?.getTime() ?? null,
        origin: row.origin,
      });
      if (row.lane !== null && holdsLane(status)) view.heldLanes.add(row.lane);
    }
    return view;
  }

  async record(attempts: readonly AttemptRecord[], parked: readonly ParkedDelivery[] = []): Promise<void> {
    if (attempts.length === 0 && parked.length === 0) return;
    const logged = attempts.length > 0 ? attemptsStatement(attempts) : undefined;
    // Most chunks only log their attempts: one statement, atomic on its own, instead of a
    // transaction of four round trips (each about as dear as the statement on a busy machine).
    // An abandonment needs the transaction for its digest (`countAbandoned`).
    if (logged && parked.length === 0 && !attempts.some((a) => a.status === 'abandoned')) {
      await this.dataSource.query(logged.sql, logged.params.values);
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      // The lanes it parks in first (and only then rows): a lane's state changes under its lock.
      const parkedLanes = parked.map((p) => p.lane);
      if (parkedLanes.length > 0) await lockLanes(manager, parkedLanes);
      if (logged) {
        await manager.query(logged.sql, logged.params.values);
        await countAbandoned(manager, attempts);
      }
      await insertParked(manager, parked);
    });
  }

  async parkWhileHeld(candidates: readonly ParkedDelivery[]): Promise<Set<string>> {
    if (candidates.length === 0) return new Set();
    return this.dataSource.transaction(async (manager) => {
      const lanes = candidates.map((c) => c.lane);
      await lockLanes(manager, lanes);
      const params = new SqlParams();
      const rows: Array<{ lane: string }> = await manager.query(
        `SELECT lane FROM ${heldOf(params.array(lanes, 'text'))} AS held(lane)`,
        params.values,
      );
      const held = new Set(rows.map((row) => row.lane));
      await insertParked(
        manager,
        candidates.filter((c) => held.has(c.lane)),
      );
      return held;
    });
  }

  async claimBatch(lane: string, limit: number): Promise<ClaimedDelivery[]> {
    if (limit < 1) return [];
    try {
      return await this.dataSource.transaction((manager) => claimInTransaction(manager, lane, limit));
    } catch (error) {
      if (error instanceof LaneInFlux) return [];
      throw error;
    }
  }

  async renewClaims(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const params = new SqlParams();
    await this.dataSource.query(
      `UPDATE deliveries SET updated_at = now()
        WHERE id = ANY(${params.array(ids, 'text')}) AND status IN (${sqlStatuses(movesFrom('renewLease'))})`,
      params.values,
    );
  }

  async failUnreadable(id: string, error: string): Promise<void> {
    const params = new SqlParams();
    await this.dataSource.query(
      `UPDATE deliveries SET status = ${sqlStatus('failed')}, category = ${params.add(UNREADABLE)}, last_error = ${params.add(storableText(error))},
              updated_at = now()
        WHERE id = ${params.add(id)} AND status IN (${sqlStatuses(movesFrom('failUnreadable'))})`,
      params.values,
    );
  }

  async releasableLanes(originPrefix: string, after: string, budget: LaneWalkBudget): Promise<LaneWalk> {
    const params = new SqlParams();
    // One index probe per lane walked, not a read of every held delivery (decision 0042).
    const rows: Array<{ lane: string; releasable: boolean | null }> = await this.dataSource.query(
      `SELECT lane, releasable FROM flowline_releasable_lanes(${params.add(originPrefix)}, ${params.add(after)},
         ${params.add(budget.lanes)}, ${params.add(budget.found)}, ${params.add(SENDING_LEASE_S)})`,
      params.values,
    );
    return {
      releasable: rows.filter((row) => row.releasable === true).map((row) => row.lane),
      next: rows.find((row) => row.releasable === null)?.lane ?? null,
    };
  }

  async takeOverdueRetries(originPrefix: string, overdueS: number, limit: number): Promise<OverdueRetry[]> {
    type Row = { id: string; message: Buffer; retry_count: number; origin: string | null; next_attempt_at: Date };
    const params = new SqlParams();
    const rows = returnedRows<Row>(
      await this.dataSource.query(
        `UPDATE deliveries SET next_attempt_at = date_trunc('milliseconds', now()), updated_at = now()
          WHERE id IN (SELECT id FROM deliveries WHERE status IN (${sqlStatuses(movesFrom('reschedule'))})
                          AND message IS NOT NULL
                          AND next_attempt_at < now() - make_interval(secs => ${params.add(overdueS)})
                          AND starts_with(origin, ${params.add(originPrefix)})
                        LIMIT ${params.add(limit)} FOR UPDATE SKIP LOCKED)
          RETURNING id, message, retry_count, origin, next_attempt_at`,
        params.values,
      ),
    );
    return rows.map((row) => ({
      id: row.id,
      message: row.message,
      retryCount: row.retry_count,
      origin: row.origin,
      nextAttemptAt: row.next_attempt_at.getTime(),
    }));
  }

  async markSubmitted(tenant: string, id: string): Promise<number | undefined> {
    const params = new SqlParams();
    const rows = returnedRows<{ next_attempt_at: Date }>(
      await this.dataSource.query(
        `UPDATE deliveries SET status = ${RETRYING}, retry_count = 0, next_attempt_at = date_trunc('milliseconds', now()),
              lane_seq = COALESCE(lane_seq, nextval('deliveries_lane_seq')), updated_at = now()
        WHERE id = ${params.add(id)} AND tenant_id = ${params.add(tenant)}
          AND status IN (${sqlStatuses(movesFrom('submit'))}) AND message IS NOT NULL
        RETURNING next_attempt_at`,
        params.values,
      ),
    );
    return rows[0]?.next_attempt_at.getTime();
  }

  async holdForRecovery(tenant: string, ids: readonly string[], jobId: string, reason: string): Promise<string[]> {
    if (ids.length === 0) return [];
    return this.dataSource.transaction(async (manager) => {
      const lanesOf = new SqlParams();
      const lanes: Array<{ lane: string }> = await manager.query(
        `SELECT COALESCE(lane, json_build_array(tenant_id, id)::text) AS lane FROM deliveries
          WHERE id = ANY(${lanesOf.array(ids, 'text')}) AND tenant_id = ${lanesOf.add(tenant)}`,
        lanesOf.values,
      );
      await lockLanes(
        manager,
        lanes.map((row) => row.lane),
      );
      const params = new SqlParams();
      // Lane positions drawn in the order given (unnest keeps it), so each lane releases them so.
      const rows = returnedRows<{ id: string }>(
        await manager.query(
          `WITH wanted AS (
             SELECT id, nextval('deliveries_lane_seq') AS seq FROM unnest(${params.array(ids, 'text')}) WITH ORDINALITY AS t(id, n)
           )
           UPDATE deliveries d SET status = ${sqlStatus('held')}, retry_count = 0, next_attempt_at = NULL,
                  last_error = ${params.add(reason)}, lane = COALESCE(d.lane, json_build_array(d.tenant_id, d.id)::text),
                  lane_seq = CASE WHEN d.status = ${RETRYING} AND d.lane_seq IS NOT NULL THEN d.lane_seq ELSE w.seq END,
                  recovery_job_id = ${params.add(jobId)}::uuid, updated_at = now()
             FROM wanted w
            WHERE d.id = w.id AND d.tenant_id = ${params.add(tenant)}
              AND d.status IN (${sqlStatuses(movesFrom('recover'))}) AND d.message IS NOT NULL
           RETURNING d.id`,
          params.values,
        ),
      );
      const moved = new Set(rows.map((row) => row.id));
      return ids.filter((id) => moved.has(id));
    });
  }

  async recordValidationFailures(failures: readonly ValidationFailureRecord[]): Promise<void> {
    if (failures.length === 0) return;
    const params = new SqlParams();
    const columns = params.columns([
      [failures.map((f) => f.deliveryId), 'text'],
      [failures.map((f) => f.tenant), 'text'],
      [failures.map((f) => f.subject), 'text'],
      [failures.map((f) => f.channel), 'text'],
      [failures.map((f) => f.connectionId), 'uuid'],
      [failures.map((f) => f.flowId), 'uuid'],
      [failures.map((f) => f.sequenceId), 'text'],
      [failures.map((f) => f.eventId), 'text'],
      [failures.map((f) => f.eventType), 'text'],
      [failures.map((f) => storableText(f.error)), 'text'],
      [failures.map((f) => f.failedAt.toISOString()), 'timestamptz'],
    ]);
    // One statement per chunk, rows in id order (concurrent chunks lock in the same order); a
    // known id (a redelivered action, or one an earlier run delivered) is left as it is.
    await this.dataSource.query(
      `INSERT INTO deliveries (id, tenant_id, subject, channel, connection_id, flow_id, sequence_id, event_id, event_type,
                               status, attempts, last_error, category, retry_count, message,
                               created_at, updated_at, queued_at)
       SELECT id, tenant_id, subject, channel, connection_id, flow_id, sequence_id, event_id, event_type,
              ${sqlStatus('failed')}, 0, last_error, ${params.add(INVALID)}::text, 0, NULL, failed_at, failed_at, failed_at
         FROM unnest(${columns})
           AS t(id, tenant_id, subject, channel, connection_id, flow_id, sequence_id, event_id, event_type,
                last_error, failed_at)
        ORDER BY id
       ON CONFLICT (id) DO NOTHING`,
      params.values,
    );
  }
}

/**
 * The lanes of a text array parameter that a delivery holds (retrying, held or sending), each
 * once: one index probe per lane, however many deliveries are parked behind its head.
 */
function heldOf(lanes: string): string {
  return `(SELECT DISTINCT l.lane FROM unnest(${lanes}) AS l(lane)
            WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.lane = l.lane AND d.status IN (${HOLDING})))`;
}

/**
 * What Flowline writes about a delivery comes partly from its receiver (an error, a response
 * excerpt, a token server's answer): kept storable here, the one place all of it is written, so a
 * NUL in an answer cannot fail the chunk's attempt log on every retry.
 */
function freeText(text: string | null): string | null {
  return text === null ? null : storableText(text);
}

/** A claim that could not take its whole prefix of the lane: rolled back, nothing claimed. */
class LaneInFlux extends Error {}

/**
 * `claimBatch`'s work: the lane's next deliveries, all of them or none.
 *
 * "Nothing of the lane waits for a retry or is being sent" is checked in the claiming statement,
 * so the check and the claim see one snapshot: a chunk's persist that parks a deferred head and a
 * delivery held behind it may commit at any moment, and a claim that checked before it and claimed
 * after it sent the held one before its head (decision 0043). A row another transaction changed
 * while the statement ran (a lapsed release renewing its lease, or settling) is re-read by the
 * outer condition alone; when that drops one, the rows behind it must not go either, so the whole
 * claim is rolled back. `IN (HOLDING)` matches the lane index's predicate: without it the planner
 * read every retrying delivery's entry of the tenant-led status index.
 */
async function claimInTransaction(manager: EntityManager, lane: string, limit: number): Promise<ClaimedDelivery[]> {
  await lockLanes(manager, [lane]);
  const params = new SqlParams();
  const theLane = params.add(lane);
  const claimable = sqlStatuses(movesFrom('claim'));
  type Row = {
    picked: number;
    id: string | null;
    message: Buffer;
    retry_count: number;
    origin: string | null;
    last_error: string | null;
    lane_seq: string;
  };
  const rows: Row[] = await manager.query(
    `WITH next AS MATERIALIZED (
       SELECT id FROM deliveries WHERE lane = ${theLane} AND status IN (${claimable})
          AND NOT EXISTS (SELECT 1 FROM deliveries w WHERE w.lane = ${theLane} AND w.status IN (${HOLDING})
                                                        AND (w.status = ${RETRYING} OR ${LEASED('w.')}))
        ORDER BY lane_seq LIMIT ${params.add(limit)}
     ), claimed AS (
       UPDATE deliveries d SET status = ${SENDING}, updated_at = now()
         FROM next
        WHERE d.id = next.id AND d.status IN (${claimable}) AND NOT ${LEASED('d.')}
       RETURNING d.id, d.message, d.retry_count, d.origin, d.last_error, d.lane_seq
     )
     SELECT (SELECT count(*) FROM next)::int AS picked, c.*
       FROM (SELECT 1) AS one LEFT JOIN claimed c ON true`,
    params.values,
  );
  const claimed = rows.filter((row) => row.id !== null);
  if (claimed.length < (rows[0]?.picked ?? 0)) throw new LaneInFlux();
  // RETURNING keeps no order: the lane's is its sequence (a bigint, compared as such).
  return claimed
    .sort((a, b) => (BigInt(a.lane_seq) < BigInt(b.lane_seq) ? -1 : 1))
    .map((row) => ({
      id: row.id!,
      message: row.message,
      retryCount: row.retry_count,
      origin: row.origin,
      reason: row.last_error,
    }));
}

/**
 * Lane state changes happen under the lanes' advisory locks (a claim, a park behind a held lane, a
 * chunk's parked deliveries): nothing is parked behind a lane just released, nor while it is claimed.
 */
function lockLanes(manager: EntityManager, lanes: readonly string[]): Promise<unknown> {
  // Sorted, so two transactions locking overlapping lanes cannot deadlock.
  const params = new SqlParams();
  return manager.query(
    `SELECT pg_advisory_xact_lock(hashtextextended(lane, 0)) FROM unnest(${params.array([...new Set(lanes)].sort(), 'text')}) AS lane`,
    params.values,
  );
}

/**
 * One row per delivery. A chunk can carry a delivery twice (an upstream record repeated, as after
 * a failed commit), and one `INSERT ... ON CONFLICT DO UPDATE` may not touch a row twice: the
 * whole chunk would fail on every retry. The later one's state wins at the earlier one's place in
 * its lane, as two calls would leave it.
 */
function oncePerDelivery(parked: readonly ParkedDelivery[]): ParkedDelivery[] {
  // A Map keeps a key at its first insertion and takes the last value set.
  return [...new Map(parked.map((p) => [p.deliveryId, p])).values()];
}

/** Inserts parked deliveries at the end of their lanes (or parks a delivery seen before again). */
async function insertParked(manager: EntityManager, candidates: readonly ParkedDelivery[]): Promise<void> {
  if (candidates.length === 0) return;
  const parked = oncePerDelivery(candidates);
  const params = new SqlParams();
  const columns = params.columns([
    [parked.map((p) => p.deliveryId), 'text'],
    [parked.map((p) => p.tenant), 'text'],
    [parked.map((p) => p.subject), 'text'],
    [parked.map((p) => p.connectionId), 'uuid'],
    [parked.map((p) => p.flowId ?? null), 'uuid'],
    [parked.map((p) => p.sequenceId ?? null), 'text'],
    [parked.map((p) => p.eventId), 'text'],
    [parked.map((p) => p.eventType), 'text'],
    [parked.map((p) => storableText(p.reason)), 'text'],
    [parked.map((p) => p.channel), 'text'],
    [parked.map((p) => p.lane), 'text'],
    [parked.map((p) => p.message), 'bytea'],
    [parked.map((p) => p.status), 'text'],
    [parked.map((p) => p.retryCount), 'int'],
    [parked.map((p) => p.nextAttemptAt?.toISOString() ?? null), 'timestamptz'],
    [parked.map((p) => p.origin), 'text'],
  ]);
  await manager.query(
    `INSERT INTO deliveries AS d (id, tenant_id, subject, connection_id, flow_id, sequence_id, event_id, event_type,
                                  status, attempts, last_error, channel, lane, lane_seq, message, queued_at, updated_at,
                                  retry_count, next_attempt_at, origin)
     SELECT id, tenant_id, subject, connection_id, flow_id, sequence_id, event_id, event_type,
            status, 0, reason, channel, lane, nextval('deliveries_lane_seq'), message, now(), now(),
            retry_count, next_attempt_at, origin
       FROM unnest(${columns})
         WITH ORDINALITY AS t(id, tenant_id, subject, connection_id, flow_id, sequence_id, event_id, event_type,
                              reason, channel, lane, message, status, retry_count, next_attempt_at, origin, position)
      ORDER BY position
     ON CONFLICT (id) DO UPDATE SET
       status = EXCLUDED.status, last_error = EXCLUDED.last_error, lane = EXCLUDED.lane,
       -- A delivery already waiting keeps its place in its lane.
       lane_seq = CASE WHEN d.status IN (${HOLDING}) THEN d.lane_seq ELSE EXCLUDED.lane_seq END,
       message = EXCLUDED.message, retry_count = EXCLUDED.retry_count, next_attempt_at = EXCLUDED.next_attempt_at,
       queued_at = COALESCE(d.queued_at, EXCLUDED.queued_at), origin = COALESCE(d.origin, EXCLUDED.origin),
       updated_at = now()`,
    params.values,
  );
}

/**
 * One statement that logs the attempts and sets their deliveries' rows (inserted, or updated when
 * known), as `record` runs it, alone or in its transaction.
 */
function attemptsStatement(attempts: readonly AttemptRecord[]): { sql: string; params: SqlParams } {
  const params = new SqlParams();
  const logged = `INSERT INTO delivery_attempts (delivery_id, tenant_id, attempted_at, status_code, latency_ms, error, response_excerpt)
       SELECT delivery_id, tenant_id, attempted_at, status_code, latency_ms, error, response_excerpt
         FROM ${params.rows('a', [
           ['delivery_id', attempts.map((a) => a.deliveryId), 'text'],
           ['tenant_id', attempts.map((a) => a.tenant), 'text'],
           ['attempted_at', attempts.map((a) => a.attemptedAt.toISOString()), 'timestamptz'],
           ['status_code', attempts.map((a) => a.statusCode), 'int'],
           ['latency_ms', attempts.map((a) => Math.round(a.latencyMs)), 'int'],
           ['error', attempts.map((a) => freeText(a.error)), 'text'],
           ['response_excerpt', attempts.map((a) => freeText(a.responseExcerpt)), 'text'],
         ])}`;
  // One delivery may have several attempts in a chunk (an OAuth2 401 and its redelivery): its row takes the
  // last attempt's state and counts them all.
  const latest = new Map(attempts.map((a) => [a.deliveryId, a]));
  const counts = new Map<string, number>();
  for (const a of attempts) counts.set(a.deliveryId, (counts.get(a.deliveryId) ?? 0) + 1);
  const rows = [...latest.values()];
  const source = params.rows('t', [
    ['id', rows.map((a) => a.deliveryId), 'text'],
    ['tenant_id', rows.map((a) => a.tenant), 'text'],
    ['subject', rows.map((a) => a.subject), 'text'],
    ['connection_id', rows.map((a) => a.connectionId), 'uuid'],
    ['flow_id', rows.map((a) => a.flowId ?? null), 'uuid'],
    ['sequence_id', rows.map((a) => a.sequenceId ?? null), 'text'],
    ['event_id', rows.map((a) => a.eventId), 'text'],
    ['event_type', rows.map((a) => a.eventType), 'text'],
    ['status', rows.map((a) => a.status), 'text'],
    ['last_status_code', rows.map((a) => a.statusCode), 'int'],
    ['last_error', rows.map((a) => freeText(a.error)), 'text'],
    ['attempted_at', rows.map((a) => a.attemptedAt.toISOString()), 'timestamptz'],
    ['attempts', rows.map((a) => counts.get(a.deliveryId) ?? 1), 'int'],
    ['channel', rows.map((a) => a.queue?.channel ?? 'webhook'), 'text'],
    ['lane', rows.map((a) => a.queue?.lane ?? null), 'text'],
    ['message', rows.map((a) => (a.status === 'succeeded' ? null : (a.queue?.message ?? null))), 'bytea'],
    ['category', rows.map((a) => a.queue?.category ?? null), 'text'],
    ['retry_count', rows.map((a) => a.queue?.retryCount ?? 0), 'int'],
    ['next_attempt_at', rows.map((a) => a.queue?.nextAttemptAt?.toISOString() ?? null), 'timestamptz'],
    ['origin', rows.map((a) => a.queue?.origin ?? null), 'text'],
  ]);
  const sql = `WITH logged AS (
       ${logged}
     )
     INSERT INTO deliveries AS d (id, tenant_id, subject, connection_id, flow_id, sequence_id, event_id, event_type,
                                    status, attempts, last_status_code, last_error, delivered_at, updated_at,
                                    channel, lane, lane_seq, message, category, retry_count, next_attempt_at, queued_at,
                                    origin)
       SELECT id, tenant_id, subject, connection_id, flow_id, sequence_id, event_id, event_type, status, attempts,
              last_status_code, last_error, CASE WHEN status = ${SUCCEEDED} THEN attempted_at END, attempted_at,
              channel, lane, CASE WHEN status = ${RETRYING} THEN nextval('deliveries_lane_seq') END,
              CASE WHEN status = ${SUCCEEDED} THEN NULL ELSE message END, category, retry_count, next_attempt_at,
              CASE WHEN status <> ${SUCCEEDED} THEN attempted_at END, origin
         FROM ${source}
       ON CONFLICT (id) DO UPDATE SET
         status = EXCLUDED.status,
         attempts = d.attempts + EXCLUDED.attempts,
         last_status_code = EXCLUDED.last_status_code,
         last_error = EXCLUDED.last_error,
         delivered_at = COALESCE(d.delivered_at, EXCLUDED.delivered_at),
         updated_at = EXCLUDED.updated_at,
         channel = EXCLUDED.channel,
         lane = EXCLUDED.lane,
         -- A delivery keeps its place in its lane: first in, first out, also after a release.
         lane_seq = CASE WHEN EXCLUDED.status <> ${RETRYING} THEN NULL
                         WHEN d.status IN (${HOLDING}) THEN d.lane_seq
                         ELSE EXCLUDED.lane_seq END,
         message = CASE WHEN EXCLUDED.status = ${SUCCEEDED} THEN NULL ELSE COALESCE(EXCLUDED.message, d.message) END,
         category = COALESCE(EXCLUDED.category, d.category),
         retry_count = EXCLUDED.retry_count,
         next_attempt_at = EXCLUDED.next_attempt_at,
         queued_at = COALESCE(d.queued_at, EXCLUDED.queued_at),
         origin = COALESCE(d.origin, EXCLUDED.origin)`;
  return { sql, params };
}

/**
 * The deliveries of connections these attempts abandon, counted into their digests
 * (`countAbandoned`): each by its last attempt in the chunk, as its row is set.
 */
function abandonedOf(attempts: readonly AttemptRecord[]): AttemptRecord[] {
  const latest = new Map(attempts.map((a) => [a.deliveryId, a]));
  return [...latest.values()].filter((a) => a.status === 'abandoned' && a.connectionId !== null && a.queue?.origin);
}

/**
 * Deliveries to a connection abandoned by these attempts join their connection's digest (decision
 * 0026): its count, and the first `DIGEST_FIRST_FAILURES` failures. Written with the attempts, so
 * the `delivery.abandoned` notification counts every one of them exactly.
 */
async function countAbandoned(manager: EntityManager, attempts: readonly AttemptRecord[]): Promise<void> {
  const abandoned = abandonedOf(attempts);
  if (abandoned.length === 0) return;
  const byConnection = new Map<string, AttemptRecord[]>();
  for (const a of abandoned) byConnection.set(a.connectionId!, [...(byConnection.get(a.connectionId!) ?? []), a]);
  // One row per connection, in connection order (concurrent chunks lock in the same order).
  for (const [connectionId, its] of [...byConnection].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const failures = its.slice(0, DIGEST_FIRST_FAILURES).map(abandonedFailure);
    await manager.query(
      `INSERT INTO notification_digests AS g (connection_id, tenant_id, origin, count, first_failures)
       VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (connection_id) DO UPDATE SET
         count = g.count + EXCLUDED.count,
         first_failures = CASE WHEN jsonb_array_length(g.first_failures) >= ${DIGEST_FIRST_FAILURES} THEN g.first_failures
           ELSE (SELECT jsonb_agg(f) FROM (SELECT f FROM jsonb_array_elements(g.first_failures || EXCLUDED.first_failures) AS f
                                           LIMIT ${DIGEST_FIRST_FAILURES}) kept) END`,
      [connectionId, its[0]!.tenant, its[0]!.queue!.origin, its.length, JSON.stringify(failures)],
    );
  }
}
