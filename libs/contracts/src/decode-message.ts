import type { ActionV1, DeliveryV1 } from './action';
import type { FlowlineEvent } from './event-envelope';
import { findUnstorableString, jsonDepthExceeds, MAX_JSON_DEPTH, UNSTORABLE_TEXT } from './json-bounds';
import { MAX_DELIVERY_BYTES, MAX_EVENT_BYTES_CEILING } from './topics';

/**
 * What an accepted event may grow by as ingest writes it: a derived id, `ingestedAt`, with room to
 * spare. `parseEvent` holds every event to its limit plus this, as written.
 */
export const EVENT_RECORD_ROOM = 64 * 1024;

/**
 * The largest event record ingest writes: the largest event it accepts, with what normalising
 * adds. A larger one is no event of Flowline's, and the action carrying it might not fit a record.
 */
export const MAX_EVENT_RECORD_BYTES = MAX_EVENT_BYTES_CEILING + EVENT_RECORD_ROOM;

/**
 * How deep an internal record may nest: an event (at most `MAX_JSON_DEPTH`) inside an action, or
 * a delivery's body (targets of at most 32 segments over values of an event's data), with room to
 * spare. Deeper is no record Flowline wrote, and would overflow `JSON.stringify` further on.
 */
export const MAX_INTERNAL_RECORD_DEPTH = 2 * MAX_JSON_DEPTH;

/** A record of an internal topic, decoded, or why it could not be. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

/** A record's JSON object, with the text it was parsed from (`unstorable` scans it). */
type DecodedJson = { ok: true; value: Record<string, unknown>; text: string } | { ok: false; error: string };

function decodeJson(bytes: Buffer | null, maxBytes: number): DecodedJson {
  if (bytes === null) return { ok: false, error: 'record has no value' };
  if (bytes.length > maxBytes)
    return { ok: false, error: `record is ${bytes.length} bytes, over the ${maxBytes} bytes it may have` };
  try {
    const text = bytes.toString('utf8');
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, error: 'record is not a JSON object' };
    }
    if (jsonDepthExceeds(value, MAX_INTERNAL_RECORD_DEPTH, text))
      return { ok: false, error: `record nests more than ${MAX_INTERNAL_RECORD_DEPTH} levels deep` };
    return { ok: true, value: value as Record<string, unknown>, text };
  } catch (error) {
    return { ok: false, error: `record is not JSON: ${(error as Error).message}` };
  }
}

/**
 * What a consumer stores of a record (ids, tenant, subject, types; never the event's data or a
 * delivery's body) must be text PostgreSQL keeps: a record that is not would fail its statement
 * on every retry. A record whose text cannot hold such a string (nearly all) is not walked.
 */
function unstorable(stored: Record<string, unknown>, text: string): Decoded<never> | undefined {
  const path = findUnstorableString(stored, text);
  return path === undefined ? undefined : { ok: false, error: `record's ${path} ${UNSTORABLE_TEXT}` };
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
  const json = decodeJson(bytes, MAX_EVENT_RECORD_BYTES);
  if (!json.ok) return json;
  if (!isEvent(json.value)) return { ok: false, error: 'record is not a Flowline event' };
  return unstorable({ ...json.value, data: undefined }, json.text) ?? { ok: true, value: json.value };
}

export function decodeAction(bytes: Buffer | null): Decoded<ActionV1> {
  // Its deliveries are measured by the mapper; its dead letter is cut to fit if need be.
  const json = decodeJson(bytes, Number.POSITIVE_INFINITY);
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
  const stored = { ...action, event: { ...action.event, data: undefined } };
  return unstorable(stored, json.text) ?? { ok: true, value: action as unknown as ActionV1 };
}

export function decodeDelivery(bytes: Buffer | null): Decoded<DeliveryV1> {
  // A larger delivery would not fit a retry record with its headers: the mapper makes none.
  const json = decodeJson(bytes, MAX_DELIVERY_BYTES);
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
    if (
      typeof delivery.connectionId !== 'string' &&
      typeof delivery.url !== 'string' &&
      typeof delivery.notificationEndpointId !== 'string'
    )
      absent.push('connectionId, url or notificationEndpointId');
  } else {
    return { ok: false, error: `unsupported delivery channel ${JSON.stringify(channel)}` };
  }
  if (absent.length > 0) return { ok: false, error: `delivery lacks ${absent.join(', ')}` };
  const stored = { ...delivery, body: undefined, headers: undefined, email: undefined };
  return unstorable(stored, json.text) ?? { ok: true, value: delivery as unknown as DeliveryV1 };
}
