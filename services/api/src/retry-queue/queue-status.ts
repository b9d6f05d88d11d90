import { DeliveryStatus, RETRY_QUEUE_STATUSES } from '@flowline/db';
import { assertUnreachable } from '../common/assert-unreachable';
import { RetryQueueErrorCode } from './retry-queue-error';

/** The retry queue's statuses (docs/CONTRACT.md §8), as Certain's Retry Queue filters them. */
export type QueueStatus = keyof typeof RETRY_QUEUE_STATUSES;

export const QUEUE_STATUSES = Object.keys(RETRY_QUEUE_STATUSES) as QueueStatus[];

/** The queue status a delivery status shows as: retry, error, failed or done. */
export function queueStatusOf(status: DeliveryStatus): QueueStatus {
  const found = QUEUE_STATUSES.find((name) =>
    (RETRY_QUEUE_STATUSES[name] as readonly DeliveryStatus[]).includes(status),
  );
  if (!found) throw new Error(`delivery status ${status} has no retry queue status`);
  return found;
}

/** Why an item cannot be submitted to the retry queue now. */
export type SubmitRefusal = Exclude<RetryQueueErrorCode, RetryQueueErrorCode.NotFound>;

/**
 * Whether a queue item may go to the front of the queue: one waiting for a retry, or one that
 * failed or was abandoned, as long as its record is kept; undefined when it may.
 */
export function submitRefusal(item: { status: DeliveryStatus; hasRecord: boolean }): SubmitRefusal | undefined {
  switch (item.status) {
    case 'held':
      return RetryQueueErrorCode.Held;
    case 'sending':
      return RetryQueueErrorCode.Sending;
    case 'succeeded':
      return RetryQueueErrorCode.Succeeded;
    case 'retrying':
    case 'failed':
    case 'abandoned':
      return item.hasRecord ? undefined : RetryQueueErrorCode.NoRecord;
    default:
      return assertUnreachable(item.status);
  }
}
