import type { ActionV1 } from '@flowline/contracts';
import type { ValidationFailureRecord } from '@flowline/db';
import type { UnrenderedDelivery } from './render-delivery';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The delivery log's row for an action whose mapping failed validation. What PostgreSQL would
 * refuse (an id that is not a UUID in a UUID column, NUL in text) is dropped rather than
 * written: an action from elsewhere must not stop the mapper's partition on every retry.
 */
export function validationFailureRecord(
  action: ActionV1,
  failure: { error: string; delivery: UnrenderedDelivery },
  failedAt: Date,
): ValidationFailureRecord {
  const uuid = (value: string | undefined) => (value !== undefined && UUID.test(value) ? value : null);
  const text = (value: string) => value.replaceAll('\u0000', '');
  return {
    deliveryId: failure.delivery.id,
    tenant: text(action.tenant),
    subject: text(action.subject),
    channel: failure.delivery.channel,
    connectionId: uuid(failure.delivery.connectionId),
    flowId: uuid(failure.delivery.flowId),
    sequenceId: failure.delivery.sequenceId === undefined ? null : text(failure.delivery.sequenceId),
    eventId: text(action.event.id),
    eventType: text(action.event.type),
    error: text(failure.error),
    failedAt,
  };
}
