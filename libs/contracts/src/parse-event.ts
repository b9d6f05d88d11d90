import { hash } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { EVENT_RECORD_ROOM } from './decode-message';
import { EventEnvelopeV1, FlowlineEvent } from './event-envelope';
import { findUnstorableString, jsonDepthExceeds, MAX_JSON_DEPTH, UNSTORABLE_TEXT } from './json-bounds';
import { isRfc3339Timestamp } from './timestamp';

export type ParseResult = { ok: true; event: FlowlineEvent } | { ok: false; reason: string; code: InvalidEventCode };

export enum InvalidEventCode {
  TooLarge = 'too_large',
  NotUtf8 = 'not_utf8',
  NotJson = 'not_json',
  NotObject = 'not_object',
  InvalidFields = 'invalid_fields',
  /** Objects and lists nested deeper than `MAX_JSON_DEPTH`. */
  TooDeep = 'too_deep',
  /** A string or key holds NUL or a lone UTF-16 surrogate, which PostgreSQL cannot keep. */
  UnstorableText = 'unstorable_text',
}

/** Fields of the Sesamy-style envelope (reference 003) that map onto the canonical envelope. */
const SESAMY_ENVELOPE = ['eventType', 'vendorId', 'userId', 'occured_at'] as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? `${parent ? `${parent}.` : ''}${message}` : `${path}: ${message}`,
    );
    return [...own, ...describe(error.children ?? [], path)];
  });
}

/** A Sesamy-style envelope (reference 003): no `tenant`, and one of its own fields. */
export function isSesamyStyle(record: Record<string, unknown>): boolean {
  return !('tenant' in record) && SESAMY_ENVELOPE.some((field) => field in record);
}

/**
 * Sesamy-style envelopes carry no `id`: the id is derived from the content so the same
 * event produced twice is recognised as a duplicate.
 */
function contentId(record: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]]),
  );
  return `sha256:${hash('sha256', canonical, 'hex').slice(0, 40)}`;
}

function normaliseSesamy(record: Record<string, unknown>): Record<string, unknown> {
  const { eventType, vendorId, userId, occured_at: occurredAt, id, source, test, ...rest } = record;
  return {
    id: id ?? contentId(record),
    tenant: vendorId,
    type: eventType,
    subject: userId,
    time: occurredAt,
    source: source ?? 'sesamy',
    test,
    data: rest,
  };
}

/**
 * Turns the raw bytes of an incoming record into a canonical event, or says precisely why not.
 * Pure: the ingest service decides what to do with the answer.
 */
export function parseEvent(bytes: Buffer, maxBytes: number, ingestedAt: number): ParseResult {
  if (bytes.length > maxBytes) {
    return {
      ok: false,
      code: InvalidEventCode.TooLarge,
      reason: `event is ${bytes.length} bytes, over the limit of ${maxBytes} bytes`,
    };
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, code: InvalidEventCode.NotUtf8, reason: 'event is not valid UTF-8' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      code: InvalidEventCode.NotJson,
      reason: `event is not JSON: ${(error as Error).message}`,
    };
  }
  const result = parseEventObject(parsed, ingestedAt, text);
  return result.ok ? writtenWithinLimit(result, bytes.length, maxBytes) : result;
}

/**
 * JSON spells a number as it likes and Flowline writes it back the shortest way JavaScript
 * knows: `1e20` comes out as 21 digits, so an event of numbers like it grows up to 5.25 times
 * when ingest writes it. One under the limit as received but far over it as written was accepted
 * and then dead-lettered downstream, or (with a larger limit) could not be sent at all, stopping
 * ingest's partition. Only an event that could grow past its limit is measured again.
 */
const MOST_A_NUMBER_GROWS = 5.25;

function writtenWithinLimit(result: ParseResult & { ok: true }, receivedBytes: number, maxBytes: number): ParseResult {
  const limit = maxBytes + EVENT_RECORD_ROOM;
  if (receivedBytes * MOST_A_NUMBER_GROWS + EVENT_RECORD_ROOM / 2 <= limit) return result;
  const written = Buffer.byteLength(JSON.stringify(result.event));
  if (written <= limit) return result;
  return {
    ok: false,
    code: InvalidEventCode.TooLarge,
    reason: `event is ${written} bytes as Flowline writes it (its numbers spelled out), over the limit of ${maxBytes} bytes`,
  };
}

/**
 * Validates an already-decoded event (from the ingest topic or `POST /events`). Never throws:
 * the nesting depth is checked first, by a walk that cannot overflow the stack, so nothing
 * recursive ever sees a hostile value; every string is checked before the event is accepted.
 * `jsonText`, when given, must be the UTF-8 text `parsed` was parsed from: one scan of it stands
 * in for the depth walk and the string checks when it holds nothing they would have to look at.
 */
export function parseEventObject(parsed: unknown, ingestedAt: number, jsonText?: string): ParseResult {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, code: InvalidEventCode.NotObject, reason: 'event must be a JSON object' };
  }
  if (jsonDepthExceeds(parsed, MAX_JSON_DEPTH, jsonText)) {
    return {
      ok: false,
      code: InvalidEventCode.TooDeep,
      reason: `event nests objects and lists more than ${MAX_JSON_DEPTH} levels deep`,
    };
  }
  let result: ParseResult;
  try {
    result = validateEnvelope(parsed as Record<string, unknown>, ingestedAt);
  } catch (error) {
    // Not expected after the depth check; a record that still trips the validator is invalid, never a crash.
    return {
      ok: false,
      code: InvalidEventCode.InvalidFields,
      reason: `event could not be validated: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (!result.ok) return result;
  // Refused before anything is stored or de-duplicated: PostgreSQL would refuse the text, or keep
  // U+FFFD instead of a lone surrogate, and the id would no longer match itself.
  const unstorable = findUnstorableString(parsed, jsonText);
  if (unstorable !== undefined) {
    return { ok: false, code: InvalidEventCode.UnstorableText, reason: `${unstorable} ${UNSTORABLE_TEXT}` };
  }
  return result;
}

function validateEnvelope(record: Record<string, unknown>, ingestedAt: number): ParseResult {
  const candidate = isSesamyStyle(record) ? normaliseSesamy(record) : record;
  const plain = plainEnvelope(candidate);
  if (plain) return { ok: true, event: { ...plain, ingestedAt } };
  // `data` is checked for being an object, never transformed: class-transformer would copy it
  // recursively (and treat keys such as `__proto__` as JavaScript does); it is kept as parsed.
  const data = candidate.data;
  const envelope = plainToInstance(EventEnvelopeV1, { ...candidate, data: isPlainObject(data) ? {} : data });
  const problems = describe(validateSync(envelope, { forbidUnknownValues: false }));
  if (problems.length > 0) {
    return { ok: false, code: InvalidEventCode.InvalidFields, reason: [...new Set(problems)].join('; ') };
  }
  return {
    ok: true,
    event: {
      id: envelope.id,
      tenant: envelope.tenant,
      type: envelope.type,
      subject: envelope.subject,
      time: envelope.time,
      ...(envelope.source === undefined ? {} : { source: envelope.source }),
      test: envelope.test ?? false,
      data: data as Record<string, unknown>,
      ingestedAt,
    },
  };
}

/** Printable ASCII of 1 to 200 (500) characters: no control character, and class-validator's length is `.length`. */
const PRINTABLE_ASCII_200 = /^[\x20-\x7e]{1,200}$/;
const PRINTABLE_ASCII_500 = /^[\x20-\x7e]{1,500}$/;

/**
 * The envelope of an event that is plainly valid, checked without class-validator and
 * class-transformer (which cost about 100 µs per event in ingest, issue 13); `undefined` when it
 * is not plainly valid, and then class-validator decides and says why. It accepts only what
 * `EventEnvelopeV1`'s rules accept, and answers what that path would: ids, tenants, types and
 * subjects of printable ASCII (other text goes the long way: class-validator counts a surrogate
 * pair or a variation selector as no character or one), an RFC 3339 time, a string source of at
 * most 200 characters or none, a boolean test flag or none, and an object `data`.
 */
export function plainEnvelope(candidate: Record<string, unknown>): Omit<FlowlineEvent, 'ingestedAt'> | undefined {
  const { id, tenant, type, subject, time, source, test, data } = candidate;
  if (typeof id !== 'string' || !PRINTABLE_ASCII_200.test(id)) return undefined;
  if (typeof tenant !== 'string' || !PRINTABLE_ASCII_200.test(tenant)) return undefined;
  if (typeof type !== 'string' || !PRINTABLE_ASCII_200.test(type)) return undefined;
  if (typeof subject !== 'string' || !PRINTABLE_ASCII_500.test(subject)) return undefined;
  if (!isRfc3339Timestamp(time)) return undefined;
  if (source !== undefined && (typeof source !== 'string' || source.length > 200)) return undefined;
  if (test !== undefined && typeof test !== 'boolean') return undefined;
  if (!isPlainObject(data)) return undefined;
  return { id, tenant, type, subject, time, ...(source === undefined ? {} : { source }), test: test ?? false, data };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
