import { DataSource, EntityManager } from 'typeorm';
import type { DeliveryStatus } from '../entities';
import { insertParked, ParkedDelivery } from './delivery-queue.repository';

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
  category: string | null;
  retryCount: number;
  nextAttemptAt: Date | null;
  /** `topic/partition/offset` of the delivery record as first consumed. */
  origin: string | null;
}

/** The delivery log: every delivery and each of its attempts (CONTRACT §8). */
export class DeliveryLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Writes a chunk's parked deliveries, then its attempts, then their deliveries' state: one transaction. */
  async record(attempts: AttemptRecord[], parked: ParkedDelivery[] = []): Promise<void> {
    if (attempts.length === 0 && parked.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      // Attempts first: a delivery that now waits for a retry takes its place in its lane before
      // the deliveries parked behind it in the same chunk.
      if (attempts.length > 0) await this.recordAttempts(manager, attempts);
      await insertParked(manager, parked);
    });
  }

  private async recordAttempts(manager: EntityManager, attempts: AttemptRecord[]): Promise<void> {
    await manager.query(
      `INSERT INTO delivery_attempts (delivery_id, tenant_id, attempted_at, status_code, latency_ms, error, response_excerpt)
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::int[], $6::text[], $7::text[])`,
      [
        attempts.map((a) => a.deliveryId),
        attempts.map((a) => a.tenant),
        attempts.map((a) => a.attemptedAt.toISOString()),
        attempts.map((a) => a.statusCode),
        attempts.map((a) => Math.round(a.latencyMs)),
        attempts.map((a) => a.error),
        attempts.map((a) => a.responseExcerpt),
      ],
    );
    // One delivery may have several attempts in a chunk (an OAuth2 401 and its redelivery): its row takes the
    // last attempt's state and counts them all.
    const latest = new Map(attempts.map((a) => [a.deliveryId, a]));
    const counts = new Map<string, number>();
    for (const a of attempts) counts.set(a.deliveryId, (counts.get(a.deliveryId) ?? 0) + 1);
    const rows = [...latest.values()];
    await manager.query(
      `INSERT INTO deliveries AS d (id, tenant_id, subject, connection_id, flow_id, sequence_id, event_id, event_type,
                                      status, attempts, last_status_code, last_error, delivered_at, updated_at,
                                      channel, lane, lane_seq, message, category, retry_count, next_attempt_at, queued_at,
                                      origin)
         SELECT id, tenant_id, subject, connection_id, flow_id, sequence_id, event_id, event_type, status, attempts,
                last_status_code, last_error, CASE WHEN status = 'succeeded' THEN attempted_at END, attempted_at,
                channel, lane, CASE WHEN status = 'retrying' THEN nextval('deliveries_lane_seq') END,
                CASE WHEN status = 'succeeded' THEN NULL ELSE message END, category, retry_count, next_attempt_at,
                CASE WHEN status <> 'succeeded' THEN attempted_at END, origin
           FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[],
                       $9::text[], $10::int[], $11::text[], $12::timestamptz[], $13::int[],
                       $14::text[], $15::text[], $16::bytea[], $17::text[], $18::int[], $19::timestamptz[], $20::text[])
             AS t(id, tenant_id, subject, connection_id, flow_id, sequence_id, event_id, event_type,
                  status, last_status_code, last_error, attempted_at, attempts,
                  channel, lane, message, category, retry_count, next_attempt_at, origin)
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
           lane_seq = CASE WHEN EXCLUDED.status <> 'retrying' THEN NULL
                           WHEN d.status IN ('retrying', 'held', 'sending') THEN d.lane_seq
                           ELSE EXCLUDED.lane_seq END,
           message = CASE WHEN EXCLUDED.status = 'succeeded' THEN NULL ELSE COALESCE(EXCLUDED.message, d.message) END,
           category = COALESCE(EXCLUDED.category, d.category),
           retry_count = EXCLUDED.retry_count,
           next_attempt_at = EXCLUDED.next_attempt_at,
           queued_at = COALESCE(d.queued_at, EXCLUDED.queued_at),
           origin = COALESCE(d.origin, EXCLUDED.origin)`,
      [
        rows.map((a) => a.deliveryId),
        rows.map((a) => a.tenant),
        rows.map((a) => a.subject),
        rows.map((a) => a.connectionId),
        rows.map((a) => a.flowId ?? null),
        rows.map((a) => a.sequenceId ?? null),
        rows.map((a) => a.eventId),
        rows.map((a) => a.eventType),
        rows.map((a) => a.status),
        rows.map((a) => a.statusCode),
        rows.map((a) => a.error),
        rows.map((a) => a.attemptedAt.toISOString()),
        rows.map((a) => counts.get(a.deliveryId) ?? 1),
        rows.map((a) => a.queue?.channel ?? 'webhook'),
        rows.map((a) => a.queue?.lane ?? null),
        rows.map((a) => (a.status === 'succeeded' ? null : (a.queue?.message ?? null))),
        rows.map((a) => a.queue?.category ?? null),
        rows.map((a) => a.queue?.retryCount ?? 0),
        rows.map((a) => a.queue?.nextAttemptAt?.toISOString() ?? null),
        rows.map((a) => a.queue?.origin ?? null),
      ],
    );
  }
}
