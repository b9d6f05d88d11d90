import type { StoredSequenceEvent } from './sequence-definition';
import type { SequencePlan } from './sequence-plan';

/**
 * Drops the events that can no longer matter, so a lead that never completes costs a bounded
 * state (SEMANTICS.md "What the state keeps"). `events` is sorted by event time, equal times in
 * arrival order, and holds no complete match. With W the window, L the allowed lateness and
 * `watermark` the lead's highest event time, every event still to be accepted has time ≥ wm − L.
 *
 * 1. Horizon (exact): a match spans at most W and will contain an event ≥ wm − L, so events
 *    before wm − L − W can never be part of one.
 * 2. Settled events, before wm − L (exact): no new event can land among them, so in any future
 *    match they precede every other event.
 *    - Unordered: per type, only the latest `need` of them are kept: any future match's settled
 *      part can be swapped for these, which only moves its first event later.
 *    - Ordered: the settled part of a match is a prefix t1..tj of the sequence; per j < k only the
 *      chain with the latest first event is kept (found greedily backwards): ≤ k(k−1)/2 events.
 * 3. Open events, in [wm − L, wm]: new events may still land between them.
 *    - Per type, the earliest `need` and the latest `need` are kept (≤ 2k events). Unordered with
 *      L ≤ W this is exact: an occurrence with `need` others before it and `need` after it within
 *      W of each other can always be replaced by one of them. Otherwise it is the one
 *      approximation (a burst of more than 2·need of one type within L, completed by a late event
 *      landing inside the burst, may be missed).
 *    - Ordered also keeps, per j < k, the latest-start chain t1..tj over all kept events
 *      (≤ k(k−1)/2): with events arriving in event-time order, this makes ordered matching exact
 *      whatever the bursts.
 *
 * Bound: unordered ≤ k + 2k = 3k events, ordered ≤ k(k−1)/2 · 2 + 2k = k(k+1) (`maxStateEvents`).
 */
export function compactEvents(
  plan: SequencePlan,
  events: readonly StoredSequenceEvent[],
  watermark: number,
  latenessMs: number,
): StoredSequenceEvent[] {
  const horizon = watermark - plan.windowMs - latenessMs;
  const openFrom = watermark - latenessMs;
  let start = 0;
  while (start < events.length && (events[start] as StoredSequenceEvent).at < horizon) start++;
  const live = events.slice(start);
  const n = live.length;
  let firstOpen = 0;
  while (firstOpen < n && (live[firstOpen] as StoredSequenceEvent).at < openFrom) firstOpen++;

  const keep = new Uint8Array(n);
  if (plan.ordered) {
    for (let j = 1; j < plan.types.length; j++) {
      markLatestChain(plan, live, firstOpen, j, keep);
      markLatestChain(plan, live, n, j, keep);
    }
  } else {
    markLatest(plan, live, 0, firstOpen, keep);
  }
  markLatest(plan, live, firstOpen, n, keep);
  markEarliest(plan, live, firstOpen, n, keep);

  const kept: StoredSequenceEvent[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) kept.push(live[i] as StoredSequenceEvent);
  return kept;
}

/** Marks the chain t1..tj within events[0, end) whose first event is latest, if one exists. */
function markLatestChain(
  plan: SequencePlan,
  events: readonly StoredSequenceEvent[],
  end: number,
  j: number,
  keep: Uint8Array,
): void {
  const chain: number[] = [];
  let cursor = end;
  for (let position = j - 1; position >= 0; position--) {
    let i = cursor - 1;
    while (i >= 0 && (events[i] as StoredSequenceEvent).type !== plan.types[position]) i--;
    if (i < 0) return;
    chain.push(i);
    cursor = i;
  }
  for (const i of chain) keep[i] = 1;
}

/** Marks, per type, the latest `need` events within events[from, to). */
function markLatest(
  plan: SequencePlan,
  events: readonly StoredSequenceEvent[],
  from: number,
  to: number,
  keep: Uint8Array,
): void {
  const taken = new Array<number>(plan.distinct.length).fill(0);
  for (let i = to - 1; i >= from; i--) {
    const type = plan.distinct.indexOf((events[i] as StoredSequenceEvent).type);
    if (type >= 0 && (taken[type] as number) < (plan.need[type] as number)) {
      taken[type] = (taken[type] as number) + 1;
      keep[i] = 1;
    }
  }
}

/** Marks, per type, the earliest `need` events within events[from, to). */
function markEarliest(
  plan: SequencePlan,
  events: readonly StoredSequenceEvent[],
  from: number,
  to: number,
  keep: Uint8Array,
): void {
  const taken = new Array<number>(plan.distinct.length).fill(0);
  for (let i = from; i < to; i++) {
    const type = plan.distinct.indexOf((events[i] as StoredSequenceEvent).type);
    if (type >= 0 && (taken[type] as number) < (plan.need[type] as number)) {
      taken[type] = (taken[type] as number) + 1;
      keep[i] = 1;
    }
  }
}
