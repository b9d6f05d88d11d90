import { formatEventTime, isEventTime, parseEventTime } from './event-time';
import { compactEvents } from './sequence-compaction';
import type {
  IgnoredReason,
  LateReason,
  LeadSequenceState,
  SequenceDefinition,
  SequenceEvent,
  SequenceMatchOptions,
  StepResult,
  StoredSequenceEvent,
} from './sequence-definition';
import { allowedLateness, planSequence, type SequencePlan } from './sequence-plan';

/**
 * One event of one lead through one sequence: the windowed, per-lead matcher of docs/CONTRACT.md §7.
 * Pure: plain data in, plain data out, the state JSON. Never throws, whatever the input
 * (SEMANTICS.md beside this file explains every rule with examples).
 *
 * In order of precedence:
 * - an inactive sequence ignores everything (`ignored: inactive`);
 * - a fired latch ignores everything (`ignored: already-fired`): once per lead, forever;
 * - a type not in the sequence is `ignored: not-in-sequence` (and does not move the watermark);
 * - an event whose time is not RFC 3339, or whose id is not a string, is `late: invalid-event`;
 * - an id already kept is a redelivery: `ignored: duplicate`;
 * - an event older than watermark − allowed lateness is `late: behind-watermark` (not used);
 * - otherwise the event is placed by event time (after kept events of the same time) and, if the
 *   kept events now contain a match, the sequence fires: `fired` with the reported events and a
 *   latch-only state; else `pending` with the compacted state.
 */
export function stepSequence(
  sequence: SequenceDefinition,
  state: LeadSequenceState | undefined,
  event: SequenceEvent,
  options?: SequenceMatchOptions,
): StepResult {
  const plan = planSequence(sequence);
  if (!plan.active) return ignored('inactive', state);
  const current = readState(state);
  if (current.latched) return ignored('already-fired', state);
  const incoming = (typeof event === 'object' && event !== null ? event : {}) as Partial<Record<string, unknown>>;
  const type = incoming.type;
  if (typeof type !== 'string' || !plan.distinct.includes(type)) return ignored('not-in-sequence', state);
  const at = parseEventTime(incoming.time);
  const id = incoming.id;
  if (at === undefined || typeof id !== 'string') return late('invalid-event', state);
  if (current.events.some((kept) => kept.id === id)) return ignored('duplicate', state);
  const latenessMs = allowedLateness(options);
  if (current.watermark !== undefined && at < current.watermark - latenessMs) return late('behind-watermark', state);

  const position = upperBound(current.events, at);
  const events = [...current.events.slice(0, position), { id, type, at }, ...current.events.slice(position)];
  const match = findMatch(plan, events, position);
  if (match) {
    const matched = match.map((index) => events[index] as StoredSequenceEvent);
    const last = matched[matched.length - 1] as StoredSequenceEvent;
    return {
      kind: 'fired',
      state: { events: [], firedAt: last.at },
      events: matched.map((kept) => ({ id: kept.id, type: kept.type, time: formatEventTime(kept.at) })),
    };
  }
  const watermark = current.watermark === undefined ? at : Math.max(current.watermark, at);
  return { kind: 'pending', state: { events: compactEvents(plan, events, watermark, latenessMs), watermark } };
}

/**
 * Partial progress as of `now`, an event-time watermark the caller knows (e.g. the highest event
 * time seen on the partition): the lead's watermark moves up to `now` (so later events older than
 * now − allowed lateness are `late`) and events that can no longer be part of a match are
 * dropped. `undefined` when nothing is left to keep: delete the row. A fired latch is kept as it
 * is, forever (it is what makes "once per lead" hold; it is ~20 bytes).
 */
export function expireState(
  sequence: SequenceDefinition,
  state: LeadSequenceState | undefined,
  now: number,
  options?: SequenceMatchOptions,
): LeadSequenceState | undefined {
  if (state === undefined || state === null) return undefined;
  const current = readState(state);
  if (current.latched) return { events: [], firedAt: state.firedAt as number };
  if (!isEventTime(now)) return state;
  const watermark = current.watermark === undefined ? now : Math.max(current.watermark, now);
  const events = compactEvents(planSequence(sequence), current.events, watermark, allowedLateness(options));
  return events.length === 0 ? undefined : { events, watermark };
}

interface ReadState {
  events: StoredSequenceEvent[];
  latched: boolean;
  watermark: number | undefined;
}

const NO_STATE: ReadState = { events: [], latched: false, watermark: undefined };

/**
 * A stored state, made safe: entries that are not {string id, string type, finite at} are
 * dropped, the events sorted by time, the watermark at least the latest event. Any `firedAt`
 * that is present, whatever its value, holds the latch: fail closed, never fire twice.
 */
function readState(state: unknown): ReadState {
  if (typeof state !== 'object' || state === null) return NO_STATE;
  const stored = state as Partial<Record<string, unknown>>;
  if (stored.firedAt !== undefined && stored.firedAt !== null) return { ...NO_STATE, latched: true };
  const listed: unknown[] = Array.isArray(stored.events) ? (stored.events as unknown[]) : [];
  // The common case, a state this module wrote, is used as it is (never mutated): no copy.
  let valid = true;
  let sorted = true;
  for (let i = 0; i < listed.length && valid; i++) {
    valid = isStoredEvent(listed[i]);
    if (valid && i > 0 && (listed[i] as StoredSequenceEvent).at < (listed[i - 1] as StoredSequenceEvent).at) {
      sorted = false;
    }
  }
  if (valid && sorted) return withWatermark(listed as StoredSequenceEvent[], stored.watermark);
  return withWatermark(
    listed.filter(isStoredEvent).sort((a, b) => a.at - b.at),
    stored.watermark,
  );
}

function withWatermark(events: StoredSequenceEvent[], stored: unknown): ReadState {
  const latest = events.length > 0 ? (events[events.length - 1] as StoredSequenceEvent).at : undefined;
  const watermark = isEventTime(stored) ? Math.max(stored, latest ?? stored) : latest;
  return { events, latched: false, watermark };
}

function isStoredEvent(entry: unknown): entry is StoredSequenceEvent {
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof (entry as StoredSequenceEvent).id === 'string' &&
    typeof (entry as StoredSequenceEvent).type === 'string' &&
    isEventTime((entry as StoredSequenceEvent).at)
  );
}

/** The first index whose event is later than `at`: a new event goes after those of equal time. */
function upperBound(events: readonly StoredSequenceEvent[], at: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((events[middle] as StoredSequenceEvent).at <= at) low = middle + 1;
    else high = middle;
  }
  return high;
}

/**
 * The match to report, as indices into `events` in ascending (time) order, or undefined. Every
 * match contains the new event at `from` (the kept events held none before it), so it ends at
 * `from` or later. The rule: the match whose last event is earliest; for that last event, the
 * latest possible occurrence of every other element (which also makes its first event the
 * latest, i.e. the tightest match). Ordered: found greedily backwards through t(k−1)..t1.
 * Unordered: per type, its latest occurrences before the last event.
 */
function findMatch(plan: SequencePlan, events: readonly StoredSequenceEvent[], from: number): number[] | undefined {
  const k = plan.types.length;
  if (k === 0) return undefined;
  for (let last = from; last < events.length; last++) {
    const end = events[last] as StoredSequenceEvent;
    const match = plan.ordered ? orderedEndingAt(plan, events, last) : unorderedEndingAt(plan, events, last);
    if (match && end.at - (events[match[0] as number] as StoredSequenceEvent).at <= plan.windowMs) return match;
  }
  return undefined;
}

function orderedEndingAt(plan: SequencePlan, events: readonly StoredSequenceEvent[], last: number) {
  const k = plan.types.length;
  if ((events[last] as StoredSequenceEvent).type !== plan.types[k - 1]) return undefined;
  const match = new Array<number>(k);
  match[k - 1] = last;
  let cursor = last;
  for (let position = k - 2; position >= 0; position--) {
    let i = cursor - 1;
    while (i >= 0 && (events[i] as StoredSequenceEvent).type !== plan.types[position]) i--;
    if (i < 0) return undefined;
    match[position] = i;
    cursor = i;
  }
  return match;
}

function unorderedEndingAt(plan: SequencePlan, events: readonly StoredSequenceEvent[], last: number) {
  const missing = [...plan.need];
  let remaining = plan.types.length;
  const endAt = (events[last] as StoredSequenceEvent).at;
  const match: number[] = [];
  for (let i = last; i >= 0 && remaining > 0; i--) {
    const candidate = events[i] as StoredSequenceEvent;
    if (endAt - candidate.at > plan.windowMs) return undefined;
    const type = plan.distinct.indexOf(candidate.type);
    if (type < 0 || (missing[type] as number) === 0) {
      if (i === last) return undefined;
      continue;
    }
    missing[type] = (missing[type] as number) - 1;
    remaining--;
    match.push(i);
  }
  return remaining === 0 ? match.reverse() : undefined;
}

function ignored(reason: IgnoredReason, state: LeadSequenceState | undefined): StepResult {
  return { kind: 'ignored', reason, state };
}

function late(reason: LateReason, state: LeadSequenceState | undefined): StepResult {
  return { kind: 'late', reason, state };
}
