import { Message } from 'kafkajs';
import { MAX_RECORD_BYTES } from '@flowline/contracts';
import { encodeHeaders, encodeValue, OutgoingMessage } from './json-codec';

/** Why the producer refuses a message before it is sent. */
export enum RecordRefusedCode {
  /** Larger than `MAX_RECORD_BYTES`: the broker would refuse it, on every retry. */
  TooLarge = 'too_large',
  /** Its value cannot be written as JSON (nested too deep for `JSON.stringify`, a BigInt...). */
  Unencodable = 'unencodable',
}

/**
 * A message the producer refuses without sending it: retrying cannot help, so the caller must
 * dead-letter what it was made from. Raised by `send` for that caller alone; the other sends
 * that share the request go out.
 */
export class RecordRefusedError extends Error {
  readonly retriable = false;

  constructor(
    readonly code: RecordRefusedCode,
    message: string,
    /** The record's size, when it could be encoded. */
    readonly bytes?: number,
  ) {
    super(message);
    this.name = 'RecordRefusedError';
  }
}

/**
 * The bytes a message takes in a record: key, value and headers, plus the record's own length
 * fields (generously). Below `MAX_RECORD_BYTES` it fits the topics Flowline creates.
 */
export function recordBytes(message: Message): number {
  const key = message.key === null || message.key === undefined ? 0 : Buffer.byteLength(message.key);
  let size = 64 + key + (message.value === null || message.value === undefined ? 0 : Buffer.byteLength(message.value));
  for (const [name, value] of Object.entries(message.headers ?? {}))
    size += Buffer.byteLength(name) + (value === undefined ? 0 : Buffer.byteLength(String(value))) + 16;
  return size;
}

/** A message ready for the wire, with its size. */
export interface EncodedRecord {
  topic: string;
  message: Message;
  /** The encoded value (also `message.value`), to send again as `rawValue` without encoding twice. */
  value: Buffer | null;
  bytes: number;
}

/**
 * Encodes a message and checks it fits a record. Throws `RecordRefusedError` when it cannot be
 * sent: the broker's refusal would come only after the message had joined a request with other
 * callers' messages, and would fail them all.
 */
export function encodeRecord(outgoing: OutgoingMessage, maxBytes = MAX_RECORD_BYTES): EncodedRecord {
  let value: Buffer | null;
  try {
    value = encodeValue(outgoing);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RecordRefusedError(
      RecordRefusedCode.Unencodable,
      `a ${outgoing.type} record for ${outgoing.topic} cannot be written as JSON: ${reason}`,
    );
  }
  const message: Message = { key: outgoing.key, value, headers: encodeHeaders(outgoing) };
  const bytes = recordBytes(message);
  if (bytes > maxBytes)
    throw new RecordRefusedError(
      RecordRefusedCode.TooLarge,
      `a ${outgoing.type} record for ${outgoing.topic} is ${bytes} bytes, over the ${maxBytes} bytes a record may have`,
      bytes,
    );
  return { topic: outgoing.topic, message, value, bytes };
}
