import { DEFAULT_ALLOWED_LATENESS_MS, type SequenceMatchOptions } from './sequence-definition';

/** A sequence definition read once per call into what the matcher needs; odd values made inert. */
export interface SequencePlan {
  active: boolean;
  ordered: boolean;
  /** The sequence's types in order; empty (never fires) when the definition's list is not all strings. */
  types: readonly string[];
  /** The distinct types, and how many events of each a match needs (its multiplicity in `types`). */
  distinct: readonly string[];
  need: readonly number[];
  /** Window in milliseconds; a negative or non-finite `windowSeconds` counts as 0. */
  windowMs: number;
}

export function planSequence(sequence: unknown): SequencePlan {
  const definition = (typeof sequence === 'object' && sequence !== null ? sequence : {}) as Record<string, unknown>;
  const listed = definition.eventTypes;
  const types = Array.isArray(listed) && listed.every((type): type is string => typeof type === 'string') ? listed : [];
  const distinct: string[] = [];
  const need: number[] = [];
  for (const type of types) {
    const index = distinct.indexOf(type);
    if (index < 0) {
      distinct.push(type);
      need.push(1);
    } else {
      need[index] = (need[index] ?? 0) + 1;
    }
  }
  const seconds = definition.windowSeconds;
  return {
    active: definition.active === true,
    ordered: definition.ordered === true,
    types,
    distinct,
    need,
    windowMs: typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0,
  };
}

/** Allowed lateness in ms: the option, or 5 minutes; negative or NaN counts as 0, `Infinity` is allowed. */
export function allowedLateness(options: SequenceMatchOptions | undefined): number {
  const value = options?.allowedLatenessMs ?? DEFAULT_ALLOWED_LATENESS_MS;
  return typeof value === 'number' && value > 0 ? value : 0;
}

/**
 * The most events a pending state keeps for this sequence, with k = the number of types in the
 * sequence (repeats counted): ordered k·(k+1), unordered 3·k. See `compactEvents`.
 */
export function maxStateEvents(sequence: unknown): number {
  const plan = planSequence(sequence);
  const k = plan.types.length;
  return plan.ordered ? k * (k + 1) : 3 * k;
}
