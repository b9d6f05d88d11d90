import { ActionV1, DeliveryV1, MAX_DELIVERY_BYTES, messageKey, TOPIC_MAX_MESSAGE_BYTES } from '@flowline/contracts';
import { encodeRecord, OutgoingMessage, RecordRefusedCode, RecordRefusedError } from '@flowline/kafka';
import type { RenderFailure } from './render-delivery';

export type DeliveryRecords =
  { ok: true; records: OutgoingMessage[] } | Extract<RenderFailure, { category: 'validation' }>;

/**
 * The `flowline.deliveries` records of an action's deliveries, each encoded and measured once
 * (the producer sends these bytes as they are). A delivery over `MAX_DELIVERY_BYTES` is a
 * validation failure of the action: the broker would refuse it on every retry, and it must leave
 * room for the dispatcher's retry and dead-letter headers. Rendering's own limits keep the body
 * and the headers within that size each; this is the check of the whole record.
 */
export function deliveryRecords(action: ActionV1, deliveries: DeliveryV1[], topic: string): DeliveryRecords {
  const records: OutgoingMessage[] = [];
  for (const delivery of deliveries) {
    const message: OutgoingMessage = {
      topic,
      key: messageKey(action.tenant, action.subject),
      value: delivery,
      type: 'delivery',
    };
    try {
      const encoded = encodeRecord(message, MAX_DELIVERY_BYTES);
      records.push({ ...message, value: undefined, rawValue: encoded.value });
    } catch (error) {
      if (!(error instanceof RecordRefusedError)) throw error;
      return {
        ok: false,
        category: 'validation',
        error: refusalReason(error),
        delivery: {
          id: delivery.id,
          channel: delivery.channel ?? 'webhook',
          ...(delivery.connectionId !== undefined ? { connectionId: delivery.connectionId } : {}),
          ...(delivery.flowId !== undefined ? { flowId: delivery.flowId } : {}),
          ...(delivery.sequenceId !== undefined ? { sequenceId: delivery.sequenceId } : {}),
        },
      };
    }
  }
  return { ok: true, records };
}

function refusalReason(error: RecordRefusedError): string {
  switch (error.code) {
    case RecordRefusedCode.TooLarge:
      return (
        `the rendered delivery is ${error.bytes} bytes, over the ${MAX_DELIVERY_BYTES} bytes a delivery record ` +
        `may have (Flowline's topics accept records up to ${TOPIC_MAX_MESSAGE_BYTES} bytes)`
      );
    case RecordRefusedCode.Unencodable:
      return `the rendered delivery cannot be written as JSON (${error.message})`;
  }
}
