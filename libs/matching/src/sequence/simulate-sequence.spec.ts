import fc from 'fast-check';
import { formatEventTime } from './event-time';
import type { LeadSequenceState, SequenceDefinition, SimulatedEvent } from './sequence-definition';
import { stepSequence } from './sequence-matcher';
import { simulateSequence } from './simulate-sequence';

const BUYING_INTENT: SequenceDefinition = {
  id: 'seq-456',
  tenant: 'acme',
  name: 'Buying Intent Sequence',
  eventTypes: ['pricing_page_view', 'whitepaper_download', 'demo_request'],
  windowSeconds: 604_800,
  ordered: true,
  active: true,
};

const REFERENCE_EVENTS = [
  { id: 'evt-001', event_type: 'pricing_page_view', created_at: '2025-01-10T09:00:00Z' },
  { id: 'evt-002', event_type: 'whitepaper_download', created_at: '2025-01-12T14:30:00Z' },
  { id: 'evt-003', event_type: 'demo_request', created_at: '2025-01-14T11:00:00Z' },
];

describe('simulateSequence', () => {
  it("matches the reference's example and reports its events as the webhook would", () => {
    expect(simulateSequence(BUYING_INTENT, REFERENCE_EVENTS)).toEqual({ matched: true, events: REFERENCE_EVENTS });
  });

  it('takes the events in event-time order, whatever the order of the request', () => {
    expect(simulateSequence(BUYING_INTENT, [...REFERENCE_EVENTS].reverse())).toEqual({
      matched: true,
      events: REFERENCE_EVENTS,
    });
  });

  it('numbers events without an id evt-<n> by their position in the request', () => {
    const events = REFERENCE_EVENTS.map(({ event_type, created_at }) => ({ event_type, created_at }));
    expect(simulateSequence(BUYING_INTENT, events).events.map((event) => event.id)).toEqual([
      'evt-1',
      'evt-2',
      'evt-3',
    ]);
  });

  it('does not match out of order (ordered), outside the window, or with an invalid time', () => {
    const [pricing, whitepaper, demo] = REFERENCE_EVENTS as [SimulatedEvent, SimulatedEvent, SimulatedEvent];
    const noMatch = { matched: false, events: [] };
    expect(
      simulateSequence(BUYING_INTENT, [{ ...whitepaper, created_at: '2025-01-09T09:00:00Z' }, pricing, demo]),
    ).toEqual(noMatch);
    expect(
      simulateSequence(BUYING_INTENT, [pricing, whitepaper, { ...demo, created_at: '2025-01-17T09:00:01Z' }]),
    ).toEqual(noMatch);
    expect(simulateSequence(BUYING_INTENT, [pricing, whitepaper, { ...demo, created_at: 'tomorrow' }])).toEqual(
      noMatch,
    );
    expect(simulateSequence(BUYING_INTENT, [])).toEqual(noMatch);
  });

  it('evaluates the definition even when the sequence is not active', () => {
    expect(simulateSequence({ ...BUYING_INTENT, active: false }, REFERENCE_EVENTS).matched).toBe(true);
  });

  it('equals stepping the same events in event-time order', () => {
    const START = Date.parse('2025-01-10T09:00:00Z');
    fc.assert(
      fc.property(
        fc.record({
          eventTypes: fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 4 }),
          windowSeconds: fc.integer({ min: 0, max: 30 }),
          ordered: fc.boolean(),
        }),
        fc.array(fc.record({ type: fc.constantFrom('a', 'b', 'c', 'x'), second: fc.integer({ min: 0, max: 60 }) }), {
          maxLength: 30,
        }),
        (generated, stream) => {
          const definition: SequenceDefinition = { id: 's', tenant: 't', name: 'n', active: true, ...generated };
          const events = stream.map(({ type, second }, i) => ({
            id: `e${i}`,
            event_type: type,
            created_at: formatEventTime(START + second * 1000),
          }));
          let state: LeadSequenceState | undefined;
          let expected = { matched: false, events: [] as SimulatedEvent[] };
          for (const event of [...events].sort((x, y) => Date.parse(x.created_at) - Date.parse(y.created_at))) {
            const result = stepSequence(definition, state, {
              id: event.id,
              type: event.event_type,
              time: event.created_at,
            });
            if (result.kind === 'fired') {
              expected = {
                matched: true,
                events: result.events.map((e) => ({ id: e.id, event_type: e.type, created_at: e.time })),
              };
              break;
            }
            state = result.state;
          }
          expect(simulateSequence(definition, events)).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws on odd input', () => {
    const odd = [null, 7, { event_type: 3 }, { created_at: '2025-01-10T09:00:00Z' }] as unknown as SimulatedEvent[];
    expect(simulateSequence(BUYING_INTENT, odd)).toEqual({ matched: false, events: [] });
    expect(simulateSequence(BUYING_INTENT, null as unknown as SimulatedEvent[])).toEqual({
      matched: false,
      events: [],
    });
  });
});
