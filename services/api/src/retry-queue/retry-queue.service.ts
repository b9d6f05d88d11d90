import { Inject, Injectable } from '@nestjs/common';
import { DeliveryLogRepository, RETRY_QUEUE_STATUSES, RetryQueueRepository, RetryQueueRow } from '@flowline/db';
import { AttemptLogEntry, readAttemptLog } from '../deliveries/attempt-log';
import { decodeQueueCursor, encodeQueueCursor } from './queue-cursor';
import { QueueStatus, queueStatusOf } from './queue-status';
import { RetryQueueError, RetryQueueErrorCode } from './retry-queue-error';
import { RetryQueueQueryDto } from './retry-queue.dto';

const DEFAULT_LIMIT = 100;

export interface RetryQueueItem {
  id: string;
  /** The queue status (retry, error, failed, done); `delivery_status` is the delivery's own. */
  status: QueueStatus;
  delivery_status: string;
  category: string | null;
  integration: 'webhook' | 'email';
  subject: string;
  connection_id: string | null;
  flow_id: string | null;
  sequence_id: string | null;
  event_id: string;
  event_type: string;
  attempts: number;
  retry_count: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  queued_at: string;
  updated_at: string;
}

function toItem(row: RetryQueueRow): RetryQueueItem {
  return {
    id: row.id,
    status: queueStatusOf(row.status),
    delivery_status: row.status,
    category: row.category,
    integration: row.channel,
    subject: row.subject,
    connection_id: row.connection_id,
    flow_id: row.flow_id,
    sequence_id: row.sequence_id,
    event_id: row.event_id,
    event_type: row.event_type,
    attempts: row.attempts,
    retry_count: row.retry_count,
    next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    queued_at: row.queued_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Reading the retry queue (docs/CONTRACT.md §8): what waits or failed, and one item with its attempts. */
@Injectable()
export class RetryQueueService {
  constructor(
    @Inject(RetryQueueRepository) private readonly queue: RetryQueueRepository,
    @Inject(DeliveryLogRepository) private readonly deliveryLog: DeliveryLogRepository,
  ) {}

  /** One page, newest first; `next_cursor` is null on the last page. */
  async list(
    tenant: string,
    query: RetryQueueQueryDto,
  ): Promise<{ items: RetryQueueItem[]; next_cursor: string | null }> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    // One row more than asked says whether another page follows.
    const rows = await this.queue.list(tenant, {
      statuses: query.status ? RETRY_QUEUE_STATUSES[query.status] : undefined,
      category: query.category,
      channel: query.integration,
      after: query.cursor === undefined ? undefined : decodeQueueCursor(query.cursor),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toItem),
      next_cursor:
        rows.length > limit && last ? encodeQueueCursor({ queuedAt: last.queued_at_key, id: last.id }) : null,
    };
  }

  async get(tenant: string, id: string): Promise<RetryQueueItem & { attempt_log: AttemptLogEntry[] }> {
    const row = await this.queue.find(tenant, id);
    if (!row) throw new RetryQueueError(RetryQueueErrorCode.NotFound, `retry queue item ${id} not found`, false);
    return { ...toItem(row), attempt_log: await readAttemptLog(this.deliveryLog, tenant, id) };
  }
}
