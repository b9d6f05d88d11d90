import { DataSource, EntityManager } from 'typeorm';
import type { DeliveryStatus } from '../entities';
import { returnedRows } from './returned-rows';

/**
 * The retry queue's lanes in PostgreSQL (decision 0009). A lane is one subject's deliveries to
 * one destination; while a lane has a delivery waiting (for a retry, or for its paused
 * connection), later deliveries of the lane are held here, in order, and released one by one
 * when the one before them is settled. Lane state changes happen under the lane's advisory
 * lock, so a delivery is never parked behind a lane that has just been released.
 */

/** Statuses of a delivery that holds its lane. */
export const LANE_HOLDING_STATUSES: readonly DeliveryStatus[] = ['retrying', 'held', 'sending'];

/**
 * A `sending` delivery is leased to the release attempting it, which renews the lease every
 * `SENDING_LEASE_RENEW_MS` while its attempt lasts; one not renewed for this long was left by a
 * crash, and is claimed (and sent) again.
 */
const STALE_SENDING = "interval '30 seconds'";
export const SENDING_LEASE_RENEW_MS = 10_000;

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

/** What the queue says of a chunk's deliveries and lanes before they are attempted. */
export interface QueueView {
  /** The chunk's deliveries seen before, in whatever state. */
  known: Map<string, KnownDelivery>;
  /** Lanes of the chunk held by a waiting delivery. */
  heldLanes: Set<string>;
}

export interface KnownDelivery extends DeliveryState {
  /** `topic/partition/offset` of the record it was first consumed from. */
  origin: string | null;
}

export interface DeliveryState {
  status: DeliveryStatus;
  retryCount: number;
  lane: string | null;
  /** Epoch ms of the retry it waits for: the retry record carrying the same due time is the current one. */
  nextAttemptAt: number | null;
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
}

function lockLanes(manager: EntityManager, lanes: string[]): Promise<unknown> {
  // Sorted, so two transactions locking overlapping lanes cannot deadlock.
  return manager.query(`SELECT pg_advisory_xact_lock(hashtextextended(lane, 0)) FROM unnest($1::text[]) AS lane`, [
    [...new Set(lanes)].sort(),
  ]);
}

/** Inserts parked deliveries at the end of their lanes (or parks a delivery seen before again). */
export async function insertParked(manager: EntityManager, parked: ParkedDelivery[]): Promise<void> {
  if (parked.length === 0) return;
  await manager.query(
    `INSERT INTO deliveries AS d (id, tenant_id, subject, connection_id, flow_id, sequence_id, event_id, event_type,
                                  status, attempts, last_error, channel, lane, lane_seq, message, queued_at, updated_at,
                                  retry_count, next_attempt_at, origin)
     SELECT id, tenant_id, subject, connection_id, flow_id, sequence_id, event_id, event_type,
            status, 0, reason, channel, lane, nextval('deliveries_lane_seq'), message, now(), now(),
            retry_count, next_attempt_at, origin
       FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[],
                   $9::text[], $10::text[], $11::text[], $12::bytea[], $13::text[], $14::int[], $15::timestamptz[],
                   $16::text[])
         WITH ORDINALITY AS t(id, tenant_id, subject, connection_id, flow_id, sequence_id, event_id, event_type,
                              reason, channel, lane, message, status, retry_count, next_attempt_at, origin, position)
      ORDER BY position
     ON CONFLICT (id) DO UPDATE SET
       status = EXCLUDED.status, last_error = EXCLUDED.last_error, lane = EXCLUDED.lane,
       -- A delivery already waiting keeps its place in its lane.
       lane_seq = CASE WHEN d.status IN ('retrying', 'held', 'sending') THEN d.lane_seq ELSE EXCLUDED.lane_seq END,
       message = EXCLUDED.message, retry_count = EXCLUDED.retry_count, next_attempt_at = EXCLUDED.next_attempt_at,
       queued_at = COALESCE(d.queued_at, EXCLUDED.queued_at), origin = COALESCE(d.origin, EXCLUDED.origin),
       updated_at = now()`,
    [
      parked.map((p) => p.deliveryId),
      parked.map((p) => p.tenant),
      parked.map((p) => p.subject),
      parked.map((p) => p.connectionId),
      parked.map((p) => p.flowId ?? null),
      parked.map((p) => p.sequenceId ?? null),
      parked.map((p) => p.eventId),
      parked.map((p) => p.eventType),
      parked.map((p) => p.reason),
      parked.map((p) => p.channel),
      parked.map((p) => p.lane),
      parked.map((p) => p.message),
      parked.map((p) => p.status),
      parked.map((p) => p.retryCount),
      parked.map((p) => p.nextAttemptAt?.toISOString() ?? null),
      parked.map((p) => p.origin),
    ],
  );
}

export class DeliveryQueueRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One query per chunk: what is known of its deliveries (those never seen are absent), and
   * which of its lanes are held (pass no lanes to ask only the former).
   */
  async view(ids: string[], lanes: string[]): Promise<QueueView> {
    const rows: Array<{
      id: string;
      lane: string | null;
      status: DeliveryStatus;
      retry_count: number;
      next_attempt_at: Date | null;
      origin: string | null;
    }> = await this.dataSource.query(
      `SELECT id, lane, status, retry_count, next_attempt_at, origin FROM deliveries WHERE id = ANY($1::text[])
       UNION
       SELECT id, lane, status, retry_count, next_attempt_at, origin FROM deliveries
        WHERE lane = ANY($2::text[]) AND status IN ('retrying', 'held', 'sending')`,
      [ids, lanes],
    );
    const wanted = new Set(ids);
    const view: QueueView = { known: new Map(), heldLanes: new Set() };
    for (const row of rows) {
      if (wanted.has(row.id))
        view.known.set(row.id, {
          status: row.status,
          retryCount: row.retry_count,
          lane: row.lane,
          nextAttemptAt: row.next_attempt_at?.getTime() ?? null,
          origin: row.origin,
        });
      if (row.lane !== null && LANE_HOLDING_STATUSES.includes(row.status)) view.heldLanes.add(row.lane);
    }
    return view;
  }

  /**
   * Parks the deliveries whose lanes are still held, checked again under the lanes' locks (a
   * lane may have been released since `view`); answers the lanes that were held.
   */
  async parkWhileHeld(candidates: ParkedDelivery[]): Promise<Set<string>> {
    if (candidates.length === 0) return new Set();
    return this.dataSource.transaction(async (manager) => {
      const lanes = candidates.map((c) => c.lane);
      await lockLanes(manager, lanes);
      const rows: Array<{ lane: string }> = await manager.query(
        `SELECT DISTINCT lane FROM deliveries WHERE lane = ANY($1::text[]) AND status IN ('retrying', 'held', 'sending')`,
        [lanes],
      );
      const held = new Set(rows.map((row) => row.lane));
      await insertParked(
        manager,
        candidates.filter((c) => held.has(c.lane)),
      );
      return held;
    });
  }

  /**
   * The next delivery of a lane to release, marked `sending`; none while a delivery of the lane
   * waits for a retry or is being sent by someone else (another replica's release).
   */
  async claimNext(lane: string): Promise<ClaimedDelivery | undefined> {
    return this.dataSource.transaction(async (manager) => {
      await lockLanes(manager, [lane]);
      const busy: unknown[] = await manager.query(
        `SELECT 1 FROM deliveries WHERE lane = $1
            AND (status = 'retrying' OR (status = 'sending' AND updated_at > now() - ${STALE_SENDING})) LIMIT 1`,
        [lane],
      );
      if (busy.length > 0) return undefined;
      const rows = returnedRows<{ id: string; message: Buffer; retry_count: number; origin: string | null }>(
        await manager.query(
          `UPDATE deliveries SET status = 'sending', updated_at = now()
          WHERE id = (SELECT id FROM deliveries WHERE lane = $1 AND status IN ('held', 'sending')
                       ORDER BY lane_seq LIMIT 1)
          RETURNING id, message, retry_count, origin`,
          [lane],
        ),
      );
      const row = rows[0];
      return row ? { id: row.id, message: row.message, retryCount: row.retry_count, origin: row.origin } : undefined;
    });
  }

  /** Keeps a claimed delivery's lease while its attempt lasts (see `STALE_SENDING`). */
  async renewClaim(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE deliveries SET updated_at = now() WHERE id = $1 AND status = 'sending'`, [id]);
  }

  /** A claimed delivery whose stored record cannot be read: failed, so it does not block its lane. */
  async failUnreadable(id: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE deliveries SET status = 'failed', category = 'system', last_error = $2, updated_at = now()
        WHERE id = $1 AND status = 'sending'`,
      [id, error],
    );
  }

  /**
   * The housekeeping queries below take only deliveries first consumed from topics of
   * `originPrefix` (FLOWLINE_TOPIC_PREFIX): installations (or tests) that share a database with
   * another prefix never sweep each other's deliveries into their own topics.
   *
   * Lanes with held deliveries that nobody is releasing: their head settled (or a release was cut
   * short) and their connection is not paused. The dispatcher's sweeper releases them.
   */
  async releasableLanes(originPrefix: string, limit: number): Promise<string[]> {
    const rows: Array<{ lane: string }> = await this.dataSource.query(
      `SELECT DISTINCT d.lane FROM deliveries d
         LEFT JOIN connections c ON c.id = d.connection_id
        WHERE d.status IN ('held', 'sending') AND d.lane IS NOT NULL AND c.paused_at IS NULL
          AND starts_with(d.origin, $2)
          AND NOT EXISTS (SELECT 1 FROM deliveries h WHERE h.lane = d.lane
                            AND (h.status = 'retrying' OR (h.status = 'sending' AND h.updated_at > now() - ${STALE_SENDING})))
        LIMIT $1`,
      [limit, originPrefix],
    );
    return rows.map((row) => row.lane);
  }

  /**
   * Retries overdue by `overdueS`, moved to now: the caller produces their retry records again
   * (the old ones, if they still come, no longer match `next_attempt_at` and are skipped).
   */
  async takeOverdueRetries(originPrefix: string, overdueS: number, limit: number): Promise<OverdueRetry[]> {
    type Row = { id: string; message: Buffer; retry_count: number; origin: string | null; next_attempt_at: Date };
    const rows = returnedRows<Row>(
      await this.dataSource.query(
        `UPDATE deliveries SET next_attempt_at = date_trunc('milliseconds', now()), updated_at = now()
          WHERE id IN (SELECT id FROM deliveries WHERE status = 'retrying' AND message IS NOT NULL
                          AND next_attempt_at < now() - make_interval(secs => $1) AND starts_with(origin, $3)
                        LIMIT $2 FOR UPDATE SKIP LOCKED)
          RETURNING id, message, retry_count, origin, next_attempt_at`,
        [overdueS, limit, originPrefix],
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

  /**
   * Pauses a connection after a 410 Gone; answers false if it was paused already. The dispatcher's
   * own write: it leaves updated_at alone, so it bumps no configuration version and reloads nothing;
   * a trigger announces the pause to every dispatcher instead (migration 1764600000000).
   */
  async pauseConnection(connectionId: string, reason: string): Promise<boolean> {
    const rows = returnedRows<{ id: string }>(
      await this.dataSource.query(
        `UPDATE connections SET paused_at = now(), paused_reason = $2 WHERE id = $1 AND paused_at IS NULL RETURNING id`,
        [connectionId, reason],
      ),
    );
    return rows.length > 0;
  }
}
