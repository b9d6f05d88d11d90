import fc from 'fast-check';
import { formatEventTime } from './event-time';
import type { LeadSequenceState, SequenceDefinition, SequenceEvent, StepResult } from './sequence-definition';
import { stepSequence } from './sequence-matcher';
import { maxStateEvents } from './sequence-plan';

const START = Date.parse('2025-01-10T09:00:00Z');

interface Generated {
  type: string;
  second: number;
  invalid: boolean;
  redeliver: boolean;
}

const definitionArb = fc.record({
  eventTypes: fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 4 }),
  windowSeconds: fc.integer({ min: 0, max: 30 }),
  ordered: fc.boolean(),
});

const eventArb = (oddities: boolean) =>
  fc.record({
    type: fc.constantFrom('a', 'b', 'c', 'x'),
    second: fc.integer({ min: 0, max: 90 }),
    invalid: oddities ? fc.integer({ min: 0, max: 4 }).map((n) => n === 0) : fc.constant(false),
    redeliver: oddities ? fc.integer({ min: 0, max: 9 }).map((n) => n === 0) : fc.constant(false),
  });

function sequenceOf(generated: { eventTypes: string[]; windowSeconds: number; ordered: boolean }): SequenceDefinition {
  return { id: 's', tenant: 't', name: 'n', active: true, ...generated };
}

function toEvents(generated: Generated[]): SequenceEvent[] {
  const events: SequenceEvent[] = [];
  generated.forEach((g, i) => {
    if (g.redeliver && events.length > 0) events.push({ ...(events[i % events.length] as SequenceEvent) });
    else
      events.push({ id: `e${i}`, type: g.type, time: g.invalid ? 'soon' : formatEventTime(START + g.second * 1000) });
  });
  return events;
}

const need = (types: string[]) => types.reduce((counts, t) => counts.set(t, (counts.get(t) ?? 0) + 1), new Map());

/** The rules a reported match must satisfy, whatever was kept. */
function expectValidMatch(definition: SequenceDefinition, fired: SequenceEvent[], completing: SequenceEvent) {
  const times = fired.map((event) => Date.parse(event.time));
  for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1] as number);
  expect((times[times.length - 1] as number) - (times[0] as number)).toBeLessThanOrEqual(
    definition.windowSeconds * 1000,
  );
  expect(new Set(fired.map((event) => event.id)).size).toBe(fired.length);
  if (definition.ordered) expect(fired.map((event) => event.type)).toEqual(definition.eventTypes);
  else expect(need(fired.map((event) => event.type))).toEqual(need(definition.eventTypes));
  expect(fired.map((event) => event.id)).toContain(completing.id);
}

/** Steps a stream, the state through JSON each time; checks the invariants of every step. */
function run(definition: SequenceDefinition, events: SequenceEvent[], allowedLatenessMs: number) {
  let state: LeadSequenceState | undefined;
  const results: StepResult[] = [];
  for (const event of events) {
    const result = stepSequence(definition, state, event, { allowedLatenessMs });
    results.push(result);
    if (result.kind === 'fired') expectValidMatch(definition, result.events, event);
    if (state?.firedAt !== undefined) expect(result).toMatchObject({ kind: 'ignored', reason: 'already-fired' });
    if (result.kind === 'pending') expect(result.state.events.length).toBeLessThanOrEqual(maxStateEvents(definition));
    if (result.kind === 'ignored' || result.kind === 'late') expect(result.state).toBe(state);
    state = result.state === undefined ? undefined : (JSON.parse(JSON.stringify(result.state)) as LeadSequenceState);
    expect(state).toEqual(result.state);
  }
  return results;
}

/**
 * Brute force over every event accepted so far (nothing pruned): does a match exist, and which
 * one does the rule report (the earliest last event, then the latest first event)?
 */
function oracle(definition: SequenceDefinition, events: SequenceEvent[], allowedLatenessMs: number) {
  const accepted: Array<{ id: string; type: string; at: number; arrival: number }> = [];
  let watermark = Number.NEGATIVE_INFINITY;
  const outcomes: Array<{ fired: false } | { fired: true; first: string; last: string }> = [];
  for (const [arrival, event] of events.entries()) {
    const at = Date.parse(event.time);
    if (!definition.eventTypes.includes(event.type) || at < watermark - allowedLatenessMs) {
      outcomes.push({ fired: false });
      continue;
    }
    accepted.push({ id: event.id, type: event.type, at, arrival });
    watermark = Math.max(watermark, at);
    const sorted = [...accepted].sort((x, y) => x.at - y.at || x.arrival - y.arrival);
    let best: number[] | undefined;
    const counts = need(definition.eventTypes);
    const choose = (chosen: number[], from: number) => {
      const position = chosen.length;
      if (position === definition.eventTypes.length) {
        const [first, last] = [chosen[0]!, chosen[position - 1]!];
        if (!best || last < best[1]! || (last === best[1] && first > best[0]!)) best = [first, last];
        return;
      }
      for (let i = from; i < sorted.length; i++) {
        const candidate = sorted[i]!;
        // Pruning only: a candidate that breaks the order, the counts or the window cannot be in a match.
        if (position > 0 && candidate.at - sorted[chosen[0]!]!.at > definition.windowSeconds * 1000) break;
        if (definition.ordered && candidate.type !== definition.eventTypes[position]) continue;
        const used = chosen.filter((j) => sorted[j]!.type === candidate.type).length;
        if (!definition.ordered && used >= (counts.get(candidate.type) ?? 0)) continue;
        choose([...chosen, i], i + 1);
      }
    };
    choose([], 0);
    if (best) {
      outcomes.push({ fired: true, first: sorted[best[0]!]!.id, last: sorted[best[1]!]!.id });
      break;
    }
    outcomes.push({ fired: false });
  }
  return outcomes;
}

function matcherOutcomes(results: StepResult[]) {
  const outcomes = [];
  for (const result of results) {
    if (result.kind === 'fired') {
      outcomes.push({ fired: true, first: result.events[0]!.id, last: result.events[result.events.length - 1]!.id });
      break;
    }
    outcomes.push({ fired: false });
  }
  return outcomes;
}

describe('stepSequence, property-based', () => {
  it('never throws, keeps the state bounded and JSON, and reports only valid matches, once', () => {
    fc.assert(
      fc.property(
        definitionArb,
        fc.array(eventArb(true), { maxLength: 80 }),
        fc.integer({ min: 0, max: 60 }),
        (generated, stream, latenessSeconds) => {
          run(sequenceOf(generated), toEvents(stream), latenessSeconds * 1000);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is exact for events arriving in event-time order: fires when a match exists, reporting the rule', () => {
    fc.assert(
      fc.property(
        definitionArb,
        fc.array(eventArb(false), { maxLength: 40 }),
        fc.integer({ min: 0, max: 60 }),
        (generated, stream, latenessSeconds) => {
          const definition = sequenceOf(generated);
          const events = toEvents([...stream].sort((x, y) => x.second - y.second));
          const results = run(definition, events, latenessSeconds * 1000);
          expect(matcherOutcomes(results)).toEqual(oracle(definition, events, latenessSeconds * 1000));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('is exact in event-time order through dense bursts of the sequence types', () => {
    const dense = fc.record({
      type: fc.constantFrom('a', 'b', 'c'),
      second: fc.integer({ min: 0, max: 30 }),
      invalid: fc.constant(false),
      redeliver: fc.constant(false),
    });
    fc.assert(
      fc.property(
        definitionArb,
        fc.array(dense, { minLength: 4, maxLength: 12 }),
        fc.integer({ min: 0, max: 60 }),
        (generated, stream, latenessSeconds) => {
          const definition = sequenceOf(generated);
          const events = toEvents([...stream].sort((x, y) => x.second - y.second));
          const results = run(definition, events, latenessSeconds * 1000);
          expect(matcherOutcomes(results)).toEqual(oracle(definition, events, latenessSeconds * 1000));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('out of order, unordered with lateness ≤ window: fires exactly when a match exists', () => {
    fc.assert(
      fc.property(
        definitionArb.map((generated) => ({ ...generated, ordered: false })),
        fc.array(eventArb(false), { maxLength: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (generated, stream, latenessShare) => {
          const definition = sequenceOf(generated);
          const lateness = Math.floor(latenessShare * definition.windowSeconds) * 1000;
          const events = toEvents(stream);
          const fired = matcherOutcomes(run(definition, events, lateness)).map((outcome) => outcome.fired);
          expect(fired).toEqual(oracle(definition, events, lateness).map((outcome) => outcome.fired));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('out of order, ordered without bursts (≤ 2 × multiplicity per type): exact, reporting the rule', () => {
    fc.assert(
      fc.property(
        definitionArb.map((generated) => ({ ...generated, ordered: true })),
        fc.array(eventArb(false), { maxLength: 16 }),
        fc.integer({ min: 0, max: 60 }),
        (generated, stream, latenessSeconds) => {
          const definition = sequenceOf(generated);
          const limits = need(definition.eventTypes);
          const seen = new Map<string, number>();
          const sparse = stream.filter((event) => {
            seen.set(event.type, (seen.get(event.type) ?? 0) + 1);
            return (seen.get(event.type) ?? 0) <= 2 * (limits.get(event.type) ?? 0) || event.type === 'x';
          });
          const events = toEvents(sparse);
          const results = run(definition, events, latenessSeconds * 1000);
          expect(matcherOutcomes(results)).toEqual(oracle(definition, events, latenessSeconds * 1000));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
