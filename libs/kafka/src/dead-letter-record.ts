import { createHash } from 'node:crypto';
import { DeadLetterOrigin, deadLetterHeaders, FailureCategory, MAX_RECORD_BYTES } from '@flowline/contracts';
import { encodeHeaders, OutgoingMessage } from './json-codec';
import { recordBytes } from './record-size';

/** A record to set aside (dead letter, invalid event): where it goes and why. */
export interface DeadLetterSpec {
  /** The full name of the dead-letter or invalid topic. */
  topic: string;
  key: string;
  /** What the original record is (`action`, `delivery`, `invalid-event`). */
  type: string;
  /** The original record's bytes, kept as the dead letter's value. */
  original: Buffer | null;
  origin: DeadLetterOrigin;
  error: string;
  category: FailureCategory;
  attempts: number;
}

/** Room for the note that says the value was cut, and for the error header growing by it. */
const CUT_NOTE_ROOM = 512;

/**
 * A dead letter's key, at most: Flowline's own keys (`tenant:subject`, at most 200 and 500
 * characters, 2,103 bytes of UTF-8) are shorter; a longer one came from outside (any producer can
 * write to the ingest topic) and is replaced by its digest, which keeps records of one key
 * together, in order, on one partition.
 */
export const MAX_DEAD_LETTER_KEY_BYTES = 4_096;

function boundedKey(key: string): { key: string; note: string } {
  const bytes = Buffer.byteLength(key);
  if (bytes <= MAX_DEAD_LETTER_KEY_BYTES) return { key, note: '' };
  const digest = createHash('sha256').update(key).digest('hex');
  return { key: `oversized-key:sha256:${digest}`, note: ` (its key of ${bytes} bytes replaced by its SHA-256)` };
}

/**
 * A dead-letter record: the original bytes with the origin and error headers (docs/CONTRACT.md §11).
 * When the original is so close to the topic's limit that the headers no longer fit beside it
 * (only input from outside Flowline gets there), the value keeps as much of the original as fits
 * and the error says so: a dead letter the broker refused would stop the partition for good. So
 * would an oversized key, which is bounded the same way (`MAX_DEAD_LETTER_KEY_BYTES`).
 */
export function deadLetterRecord(spec: DeadLetterSpec): OutgoingMessage {
  const { key, note: keyNote } = boundedKey(spec.key);
  const record = (value: Buffer | null, error: string): OutgoingMessage => ({
    topic: spec.topic,
    key,
    value: undefined,
    rawValue: value,
    type: spec.type,
    headers: deadLetterHeaders(spec.origin, error, spec.category, spec.attempts),
  });
  const whole = record(spec.original, `${spec.error}${keyNote}`);
  const original = spec.original;
  if (original === null) return whole;
  const bytes = recordBytes({ key: whole.key, value: original, headers: encodeHeaders(whole) });
  if (bytes <= MAX_RECORD_BYTES) return whole;
  const kept = Math.max(0, original.length - (bytes - MAX_RECORD_BYTES) - CUT_NOTE_ROOM);
  const note = ` (value cut to its first ${kept} of ${original.length} bytes: with these headers the whole record would not fit the topic)`;
  return record(original.subarray(0, kept), `${spec.error.slice(0, 1500)}${keyNote}${note}`);
}
