import type { FailureCategory } from '@flowline/contracts';
import type { DataSource } from 'typeorm';
import { DeliveryStatus, LANE_HEAD_STATUSES, sqlStatuses } from '../delivery-store/delivery-status';

/** A delivery that joined the retry queue (`queued_at` set), without its record bytes. */
export interface RetryQueueRow {
  id: string;
  tenant_id: string;
  subject: string;
  connection_id: string | null;
  flow_id: string | null;
  sequence_id: string | null;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  channel: 'webhook' | 'email';
  category: FailureCategory | null;
  lane: string | null;
  attempts: number;
  retry_count: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  queued_at: Date;
  updated_at: Date;
  /** `queued_at` in UTC to the microsecond (a JS Date keeps milliseconds): the keyset position. */
  queued_at_key: string;
}

/** Where a page of the queue starts: strictly after this row, newest first. */
export interface RetryQueuePosition {
  queuedAt: string;
  id: string;
}

export interface RetryQueueFilter {
  statuses?: readonly DeliveryStatus[];
  category?: FailureCategory;
  channel?: 'webhook' | 'email';
  after?: RetryQueuePosition;
  limit: number;
}

const COLUMNS = `id, tenant_id, subject, connection_id, flow_id, sequence_id, event_id, event_type, status, channel,
  category, lane, attempts, retry_count, next_attempt_at, last_status_code, last_error, queued_at, updated_at,
  to_char(queued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS queued_at_key`;

/**
 * The retry queue (docs/CONTRACT.md §8): the deliveries that waited, wait or failed, as the API reads
 * them. Reads only: every write goes through the delivery store.
 */
export class RetryQueueRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One page of the tenant's queue, newest first (`queued_at`, then `id`, descending). */
  async list(tenant: string, filter: RetryQueueFilter): Promise<RetryQueueRow[]> {
    const conditions = ['tenant_id = $1', 'queued_at IS NOT NULL'];
    const values: unknown[] = [tenant];
    const add = (sql: string, ...given: unknown[]) => {
      conditions.push(sql.replace(/\?/g, () => `$${values.push(given.shift())}`));
    };
    if (filter.statuses) add('status = ANY(?::text[])', filter.statuses);
    if (filter.category) add('category = ?', filter.category);
    if (filter.channel) add('channel = ?', filter.channel);
    if (filter.after) add('(queued_at, id) < (?::timestamptz, ?)', filter.after.queuedAt, filter.after.id);
    values.push(filter.limit);
    return this.dataSource.query<RetryQueueRow[]>(
      `SELECT ${COLUMNS} FROM deliveries WHERE ${conditions.join(' AND ')}
        ORDER BY queued_at DESC, id DESC LIMIT $${values.length}`,
      values,
    );
  }

  /** One of the tenant's queue items; undefined for another tenant's, or a delivery never queued. */
  async find(tenant: string, id: string): Promise<RetryQueueRow | undefined> {
    const rows = await this.dataSource.query<RetryQueueRow[]>(
      `SELECT ${COLUMNS} FROM deliveries WHERE id = $1 AND tenant_id = $2 AND queued_at IS NOT NULL`,
      [id, tenant],
    );
    return rows[0];
  }

  /** As `find`, with the stored delivery record (`DeliveryV1` bytes; null once it is not kept). */
  async findWithRecord(tenant: string, id: string): Promise<(RetryQueueRow & { message: Buffer | null }) | undefined> {
    const rows = await this.dataSource.query<Array<RetryQueueRow & { message: Buffer | null }>>(
      `SELECT ${COLUMNS}, message FROM deliveries WHERE id = $1 AND tenant_id = $2 AND queued_at IS NOT NULL`,
      [id, tenant],
    );
    return rows[0];
  }

  /** The delivery heading a lane (waiting for its retry or being attempted), other than `except`. */
  async laneHead(
    tenant: string,
    lane: string,
    except: string,
  ): Promise<{ id: string; status: DeliveryStatus } | undefined> {
    const rows = await this.dataSource.query<Array<{ id: string; status: DeliveryStatus }>>(
      `SELECT id, status FROM deliveries
        WHERE tenant_id = $1 AND lane = $2 AND id <> $3 AND status IN (${sqlStatuses(LANE_HEAD_STATUSES)})
        ORDER BY lane_seq NULLS FIRST, queued_at, id LIMIT 1`,
      [tenant, lane, except],
    );
    return rows[0];
  }
}
