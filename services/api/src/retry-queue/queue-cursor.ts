import { isRfc3339Timestamp } from '@flowline/contracts';
import type { RetryQueuePosition } from '@flowline/db';

/** `queued_at` as the repository writes a position: UTC, to the microsecond. */
const POSITION_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * The opaque `cursor` of `GET /retry-queue`: the last item's position, so the next page starts
 * strictly after it however many items joined the queue meanwhile (keyset pagination).
 */
export function encodeQueueCursor(position: RetryQueuePosition): string {
  return Buffer.from(JSON.stringify([position.queuedAt, position.id])).toString('base64url');
}

/** The position a cursor names; undefined for anything `encodeQueueCursor` did not make. */
export function decodeQueueCursor(cursor: string): RetryQueuePosition | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [queuedAt, id] = parsed as unknown[];
  // A real instant in the years PostgreSQL reads as JavaScript does (no 30 February, no year 0000).
  if (typeof queuedAt !== 'string' || !POSITION_TIME.test(queuedAt) || !isRfc3339Timestamp(queuedAt)) return undefined;
  if (typeof id !== 'string' || id.length === 0) return undefined;
  return { queuedAt, id };
}
