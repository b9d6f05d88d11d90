import type { ActionV1, DeliveryV1 } from './action';
import type { FlowlineEvent } from './event-envelope';

/** A record of an internal topic, decoded, or why it could not be. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

function decodeJson(bytes: Buffer | null): Decoded<Record<string, unknown>> {
  if (bytes === null) return { ok: false, error: 'record has no value' };
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, error: 'record is not a JSON object' };
    }
    return { ok: true, value: value as Record<string, unknown> };
  } catch (error) {
    return { ok: false, error: `record is not JSON: ${(error as Error).message}` };
  }
}

function missing(value: Record<string, unknown>, fields: string[]): string[] {
  return fields.filter((field) => typeof value[field] !== 'string');
}

function isEvent(value: unknown): value is FlowlineEvent {
  const event = value as Record<string, unknown> | null;
  return (
    typeof event === 'object' && event !== null && missing(event, ['id', 'tenant', 'type', 'subject']).length === 0
  );
}

/**
 * Internal topics are written by Flowline itself, but a record from an older version or another
 * producer must not stop a partition: each decoder says what is wrong so the record can be
 * dead-lettered instead of crashing the consumer on it forever.
 */
export function decodeEvent(bytes: Buffer | null): Decoded<FlowlineEvent> {
  const json = decodeJson(bytes);
  if (!json.ok) return json;
  return isEvent(json.value) ? { ok: true, value: json.value } : { ok: false, error: 'record is not a Flowline event' };
}

export function decodeAction(bytes: Buffer | null): Decoded<ActionV1> {
  const json = decodeJson(bytes);
  if (!json.ok) return json;
  const action = json.value;
  if (action.v !== 1) return { ok: false, error: `unsupported action version ${String(action.v)}` };
  const absent = missing(action, ['id', 'tenant', 'subject', 'kind']);
  // A flow's action names its destination; a sequence's carries its trigger's webhook and emails.
  const target = action.kind === 'sequence' ? action.sequence : action.destination;
  if (absent.length > 0 || !isEvent(action.event) || typeof target !== 'object' || target === null) {
    return { ok: false, error: `action lacks ${[...absent, 'event or destination'].join(', ')}` };
  }
  if (action.kind !== 'flow' && action.kind !== 'sequence')
    return { ok: false, error: `unsupported action kind ${JSON.stringify(action.kind)}` };
  return { ok: true, value: action as unknown as ActionV1 };
}

export function decodeDelivery(bytes: Buffer | null): Decoded<DeliveryV1> {
  const json = decodeJson(bytes);
  if (!json.ok) return json;
  const delivery = json.value;
  if (delivery.v !== 1) return { ok: false, error: `unsupported delivery version ${String(delivery.v)}` };
  const absent = missing(delivery, ['id', 'tenant', 'subject', 'eventId', 'eventType']);
  const channel = delivery.channel ?? 'webhook';
  if (channel === 'email') {
    // An email goes to its own addresses: it has neither a connection nor a URL.
    const email = delivery.email as Record<string, unknown> | null | undefined;
    if (typeof email !== 'object' || email === null) absent.push('email');
    else {
      absent.push(...missing(email, ['subject', 'text', 'html']).map((field) => `email.${field}`));
      const to = email.to;
      if (!Array.isArray(to) || to.length === 0 || !to.every((address) => typeof address === 'string'))
        absent.push('email.to');
    }
  } else if (channel === 'webhook') {
    if (typeof delivery.connectionId !== 'string' && typeof delivery.url !== 'string')
      absent.push('connectionId or url');
  } else {
    return { ok: false, error: `unsupported delivery channel ${JSON.stringify(channel)}` };
  }
  if (absent.length > 0) return { ok: false, error: `delivery lacks ${absent.join(', ')}` };
  return { ok: true, value: delivery as unknown as DeliveryV1 };
}
