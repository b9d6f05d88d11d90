import type { DeliveryStatus } from '@flowline/db';
import { queueStatusOf, submitRefusal } from './queue-status';
import { RetryQueueErrorCode } from './retry-queue-error';

describe('retry queue statuses', () => {
  it.each<[DeliveryStatus, string]>([
    ['retrying', 'retry'],
    ['held', 'retry'],
    ['sending', 'retry'],
    ['failed', 'error'],
    ['abandoned', 'failed'],
    ['succeeded', 'done'],
  ])('shows a %s delivery as %s', (status, queueStatus) => {
    expect(queueStatusOf(status)).toBe(queueStatus);
  });
});

describe('submitting to the retry queue', () => {
  it.each<[DeliveryStatus, boolean, RetryQueueErrorCode | undefined]>([
    ['retrying', true, undefined],
    ['failed', true, undefined],
    ['abandoned', true, undefined],
    ['retrying', false, RetryQueueErrorCode.NoRecord],
    ['failed', false, RetryQueueErrorCode.NoRecord],
    ['abandoned', false, RetryQueueErrorCode.NoRecord],
    ['held', true, RetryQueueErrorCode.Held],
    ['held', false, RetryQueueErrorCode.Held],
    ['sending', true, RetryQueueErrorCode.Sending],
    ['succeeded', true, RetryQueueErrorCode.Succeeded],
    ['succeeded', false, RetryQueueErrorCode.Succeeded],
  ])('a %s item (record kept: %s) is refused with %s', (status, hasRecord, refusal) => {
    expect(submitRefusal({ status, hasRecord })).toBe(refusal);
  });
});
