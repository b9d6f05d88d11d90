import { IHeaders } from 'kafkajs';
import { HEADER_ENVELOPE_VERSION, HEADER_MESSAGE_TYPE } from '@flowline/contracts';

/** A message Flowline produces: a JSON value with its key and the envelope headers. */
export interface OutgoingMessage {
  topic: string;
  key: string;
  value: unknown;
  /** Names what the value is (event, action, delivery...), for consumers and operators. */
  type: string;
  headers?: Record<string, string>;
  /** Raw bytes to send instead of JSON (dead-letter records keep the original bytes). */
  rawValue?: Buffer | null;
}

export function encodeHeaders(message: OutgoingMessage): IHeaders {
  return { [HEADER_ENVELOPE_VERSION]: '1', [HEADER_MESSAGE_TYPE]: message.type, ...message.headers };
}

export function encodeValue(message: OutgoingMessage): Buffer | null {
  if (message.rawValue !== undefined) return message.rawValue;
  return Buffer.from(JSON.stringify(message.value));
}

/** Header values arrive as Buffers (or arrays of them); services read them as strings. */
export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) decoded[name] = first.toString();
  }
  return decoded;
}
