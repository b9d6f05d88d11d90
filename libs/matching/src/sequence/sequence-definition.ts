/**
 * The plain data the sequence matcher takes and returns (docs/CONTRACT.md §7, SEMANTICS.md beside this
 * file). Everything here is JSON: the service stores `LeadSequenceState` per (tenant, sequence,
 * lead) in PostgreSQL and hands it back on the next event.
 */

/** A sequence trigger as the matcher sees it: the API's row, reduced to what matching needs. */
export interface SequenceDefinition {
  id: string;
  tenant: string;
  name: string;
  /** The types to observe, in order when `ordered`; a type may repeat (`[a, b, a]` needs two `a`). */
  eventTypes: string[];
  /** First to last event of a match, in event time, inclusive: a span equal to the window matches. */
  windowSeconds: number;
  ordered: boolean;
  /** Only `true` fires; anything else is inactive and every event is `ignored`. */
  active: boolean;
}

/** One event of the lead, as the matcher needs it. */
export interface SequenceEvent {
  id: string;
  type: string;
  /** RFC 3339 event time (not arrival time). Reported events carry it normalised to UTC. */
  time: string;
}

/** An event kept in the state: `at` is its event time in epoch milliseconds. */
export interface StoredSequenceEvent {
  id: string;
  type: string;
  at: number;
}

/**
 * Per (tenant, sequence, lead) state. Small (at most `maxStateEvents(sequence)` events) and
 * JSON-serialisable. `events` is sorted by event time, equal times in arrival order.
 */
export interface LeadSequenceState {
  events: StoredSequenceEvent[];
  /** The once-per-lead latch: event time (epoch ms) of the last event of the match that fired. */
  firedAt?: number;
  /** The highest event time (epoch ms) accepted for this lead and sequence. */
  watermark?: number;
}

export interface SequenceMatchOptions {
  /** How far behind the lead's watermark an event may be and still be used (default 5 minutes). */
  allowedLatenessMs?: number;
}

export const DEFAULT_ALLOWED_LATENESS_MS = 5 * 60 * 1000;

/** Why an event changed nothing. */
export type IgnoredReason =
  /** The sequence is not active. */
  | 'inactive'
  /** The sequence already fired for this lead (the latch holds forever). */
  | 'already-fired'
  /** Its type is not one of the sequence's types. */
  | 'not-in-sequence'
  /** An event with this id is already kept (a redelivery). */
  | 'duplicate';

/** Why an event is counted as late. */
export type LateReason =
  /** Its event time is older than the lead's watermark minus the allowed lateness. */
  | 'behind-watermark'
  /** Its time is not an RFC 3339 date-time, or its id is not a string: it cannot be placed. */
  | 'invalid-event';

/**
 * What one event did. `ignored` and `late` return the state passed in, unchanged (the same
 * object, possibly `undefined`): there is nothing to write. `late` must be counted and logged by
 * the caller: it is never used, and never silently dropped.
 */
export type StepResult =
  | { kind: 'pending'; state: LeadSequenceState }
  | { kind: 'fired'; state: LeadSequenceState; events: SequenceEvent[] }
  | { kind: 'late'; reason: LateReason; state: LeadSequenceState | undefined }
  | { kind: 'ignored'; reason: IgnoredReason; state: LeadSequenceState | undefined };

/** An event as the simulate endpoint takes and returns it (the reference's webhook shape). */
export interface SimulatedEvent {
  id?: string;
  event_type: string;
  created_at: string;
}

export interface SimulationResult {
  matched: boolean;
  events: Array<{ id: string; event_type: string; created_at: string }>;
}
