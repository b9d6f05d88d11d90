import type { DataSource } from 'typeorm';
import { SqlParams } from './sql-params';

/** A delivery as the activity feed shows it. */
export interface DeliveryLogRow {
  id: string;
  subject: string;
  connection_id: string | null;
  flow_id: string | null;
  sequence_id: string | null;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

/** One attempt of a delivery. */
export interface DeliveryAttemptRow {
  attempted_at: Date;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response_excerpt: string | null;
}

/** Which deliveries the feed shows; each criterion left out matches every one. */
export interface DeliveryLogFilter {
  flowId?: string;
  sequenceId?: string;
  subject?: string;
  status?: string;
  /** Created at or after. */
  from?: string;
  /** Created before. */
  to?: string;
  limit: number;
}

/** The feed's columns: not the stored record (`message`), which can be a MiB. */
const FEED_COLUMNS = `id, subject, connection_id, flow_id, sequence_id, event_id, event_type, status, attempts,
  last_status_code, last_error, created_at, updated_at, delivered_at`;

/**
 * The delivery log as the API reads it (CONTRACT §8): every delivery of a tenant and each
 * attempt of one. Reads only: every write goes through the delivery store.
 */
export class DeliveryLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The tenant's deliveries, newest first. */
  feed(tenant: string, filter: DeliveryLogFilter): Promise<DeliveryLogRow[]> {
    const params = new SqlParams();
    const conditions = [`tenant_id = ${params.add(tenant)}`];
    if (filter.flowId) conditions.push(`flow_id = ${params.add(filter.flowId)}`);
    if (filter.sequenceId) conditions.push(`sequence_id = ${params.add(filter.sequenceId)}`);
    if (filter.subject) conditions.push(`subject = ${params.add(filter.subject)}`);
    if (filter.status) conditions.push(`status = ${params.add(filter.status)}`);
    if (filter.from) conditions.push(`created_at >= ${params.add(filter.from)}`);
    if (filter.to) conditions.push(`created_at < ${params.add(filter.to)}`);
    return this.dataSource.query<DeliveryLogRow[]>(
      `SELECT ${FEED_COLUMNS} FROM deliveries WHERE ${conditions.join(' AND ')}
        ORDER BY created_at DESC, id LIMIT ${params.add(filter.limit)}`,
      params.values,
    );
  }

  /** One of the tenant's deliveries; undefined for another tenant's, as for one that never existed. */
  async find(tenant: string, id: string): Promise<DeliveryLogRow | undefined> {
    const rows = await this.dataSource.query<DeliveryLogRow[]>(
      `SELECT ${FEED_COLUMNS} FROM deliveries WHERE id = $1 AND tenant_id = $2`,
      [id, tenant],
    );
    return rows[0];
  }

  /** Every attempt of one of the tenant's deliveries, oldest first. */
  attempts(tenant: string, deliveryId: string): Promise<DeliveryAttemptRow[]> {
    return this.dataSource.query<DeliveryAttemptRow[]>(
      `SELECT attempted_at, status_code, latency_ms, error, response_excerpt FROM delivery_attempts
        WHERE delivery_id = $1 AND tenant_id = $2 ORDER BY attempted_at, id`,
      [deliveryId, tenant],
    );
  }
}
