import type { LeadSequenceState, SequenceDefinition, SequenceEvent, StepResult } from './sequence-definition';
import { expireState, stepSequence } from './sequence-matcher';
import { maxStateEvents } from './sequence-plan';

const HOUR = 3600;
const DAY = 24 * HOUR;

function sequence(eventTypes: string[], overrides: Partial<SequenceDefinition> = {}): SequenceDefinition {
  return {
    id: 'seq-456',
    tenant: 'acme',
    name: 'Buying Intent Sequence',
    eventTypes,
    windowSeconds: 7 * DAY,
    ordered: true,
    active: true,
    ...overrides,
  };
}

const BUYING_INTENT = sequence(['pricing_page_view', 'whitepaper_download', 'demo_request']);

/** `[id, type, time]` rows into events. */
function events(rows: Array<[string, string, string]>): SequenceEvent[] {
  return rows.map(([id, type, time]) => ({ id, type, time }));
}

/** Steps the events in arrival order, the state through JSON as the service stores it. */
function run(definition: SequenceDefinition, stream: SequenceEvent[], allowedLatenessMs = 5 * 60_000) {
  let state: LeadSequenceState | undefined;
  const results: StepResult[] = [];
  for (const event of stream) {
    const result = stepSequence(definition, state, event, { allowedLatenessMs });
    results.push(result);
    state = result.state === undefined ? undefined : (JSON.parse(JSON.stringify(result.state)) as LeadSequenceState);
  }
  return { results, kinds: results.map((result) => result.kind), state, fired: results.find(isFired) };
}

function isFired(result: StepResult): result is Extract<StepResult, { kind: 'fired' }> {
  return result.kind === 'fired';
}

const ids = (result: StepResult | undefined) => (result && isFired(result) ? result.events.map((e) => e.id) : []);

describe('stepSequence', () => {
  it("fires the reference's buying-intent example with evt-001..003, as the webhook reports them", () => {
    const { kinds, fired, state } = run(
      BUYING_INTENT,
      events([
        ['evt-001', 'pricing_page_view', '2025-01-10T09:00:00Z'],
        ['evt-002', 'whitepaper_download', '2025-01-12T14:30:00Z'],
        ['evt-003', 'demo_request', '2025-01-14T11:00:00Z'],
      ]),
    );
    expect(kinds).toEqual(['pending', 'pending', 'fired']);
    expect(fired?.kind === 'fired' && fired.events).toEqual([
      { id: 'evt-001', type: 'pricing_page_view', time: '2025-01-10T09:00:00Z' },
      { id: 'evt-002', type: 'whitepaper_download', time: '2025-01-12T14:30:00Z' },
      { id: 'evt-003', type: 'demo_request', time: '2025-01-14T11:00:00Z' },
    ]);
    expect(state).toEqual({ events: [], firedAt: Date.parse('2025-01-14T11:00:00Z') });
  });

  describe('ordered vs unordered on the same events', () => {
    const whitepaperFirst = events([
      ['e1', 'whitepaper_download', '2025-01-10T09:00:00Z'],
      ['e2', 'pricing_page_view', '2025-01-11T09:00:00Z'],
      ['e3', 'demo_request', '2025-01-12T09:00:00Z'],
    ]);

    it('ordered: a whitepaper before the pricing page does not match', () => {
      expect(run(BUYING_INTENT, whitepaperFirst).kinds).toEqual(['pending', 'pending', 'pending']);
    });

    it('unordered: the same events match, reported in time order', () => {
      const { kinds, fired } = run({ ...BUYING_INTENT, ordered: false }, whitepaperFirst);
      expect(kinds).toEqual(['pending', 'pending', 'fired']);
      expect(ids(fired)).toEqual(['e1', 'e2', 'e3']);
    });

    it('ordered: a later pricing view, whitepaper and demo still complete it', () => {
      const stream = [
        ...whitepaperFirst,
        ...events([
          ['e4', 'whitepaper_download', '2025-01-13T09:00:00Z'],
          ['e5', 'demo_request', '2025-01-14T09:00:00Z'],
        ]),
      ];
      const { kinds, fired } = run(BUYING_INTENT, stream);
      expect(kinds).toEqual(['pending', 'pending', 'pending', 'pending', 'fired']);
      expect(ids(fired)).toEqual(['e2', 'e4', 'e5']);
    });
  });

  describe.each([true, false])('window edges (ordered: %s)', (ordered) => {
    const definition = { ...BUYING_INTENT, ordered, windowSeconds: HOUR };
    const stream = (last: string) =>
      events([
        ['e1', 'pricing_page_view', '2025-01-10T09:00:00Z'],
        ['e2', 'whitepaper_download', '2025-01-10T09:30:00Z'],
        ['e3', 'demo_request', last],
      ]);

    it('a span exactly equal to the window matches', () => {
      expect(run(definition, stream('2025-01-10T10:00:00Z')).kinds).toEqual(['pending', 'pending', 'fired']);
    });

    it('one second over does not', () => {
      expect(run(definition, stream('2025-01-10T10:00:01Z')).kinds).toEqual(['pending', 'pending', 'pending']);
    });

    it('an earlier start older than the allowed lateness cannot rescue it', () => {
      const { kinds, fired } = run(definition, [
        ...stream('2025-01-10T10:00:01Z'),
        ...events([
          ['e4', 'pricing_page_view', '2025-01-10T09:15:00Z'],
          ['e5', 'demo_request', '2025-01-10T10:10:00Z'],
        ]),
      ]);
      expect(kinds).toEqual(['pending', 'pending', 'pending', 'late', 'pending']);
      expect(fired).toBeUndefined();
    });
  });

  it('ignores events of other types in between, and keeps sequences apart', () => {
    const other = sequence(['signup', 'demo_request'], { id: 'seq-2', ordered: false, windowSeconds: DAY });
    const stream = events([
      ['e1', 'pricing_page_view', '2025-01-10T09:00:00Z'],
      ['e2', 'email_open', '2025-01-10T09:01:00Z'],
      ['e3', 'signup', '2025-01-10T09:02:00Z'],
      ['e4', 'whitepaper_download', '2025-01-10T09:03:00Z'],
      ['e5', 'webinar_join', '2025-01-10T09:04:00Z'],
      ['e6', 'demo_request', '2025-01-10T09:05:00Z'],
    ]);
    const buying = run(BUYING_INTENT, stream);
    expect(buying.kinds).toEqual(['pending', 'ignored', 'ignored', 'pending', 'ignored', 'fired']);
    expect(buying.results[1]).toMatchObject({ kind: 'ignored', reason: 'not-in-sequence' });
    expect(ids(buying.fired)).toEqual(['e1', 'e4', 'e6']);
    const signup = run(other, stream);
    expect(signup.kinds).toEqual(['ignored', 'ignored', 'pending', 'ignored', 'ignored', 'fired']);
    expect(ids(signup.fired)).toEqual(['e3', 'e6']);
  });

  it('with repeated events, reports the tightest match: the latest of each before the completing one', () => {
    const { kinds, fired } = run(
      BUYING_INTENT,
      events([
        ['p1', 'pricing_page_view', '2025-01-10T09:00:00Z'],
        ['p2', 'pricing_page_view', '2025-01-10T10:00:00Z'],
        ['w1', 'whitepaper_download', '2025-01-10T11:00:00Z'],
        ['p3', 'pricing_page_view', '2025-01-10T12:00:00Z'],
        ['w2', 'whitepaper_download', '2025-01-10T13:00:00Z'],
        ['d1', 'demo_request', '2025-01-10T14:00:00Z'],
      ]),
    );
    expect(kinds).toEqual(['pending', 'pending', 'pending', 'pending', 'pending', 'fired']);
    expect(ids(fired)).toEqual(['p3', 'w2', 'd1']);
  });

  describe('a type repeated in the sequence needs that many events', () => {
    const aba = sequence(['a', 'b', 'a'], { windowSeconds: HOUR });
    const at = (minute: number) => `2025-01-10T09:${String(minute).padStart(2, '0')}:00Z`;

    it('ordered [a, b, a]: a, a, b is not enough; another a completes it', () => {
      const { kinds, fired } = run(
        aba,
        events([
          ['a1', 'a', at(0)],
          ['a2', 'a', at(1)],
          ['b1', 'b', at(2)],
          ['a3', 'a', at(3)],
        ]),
      );
      expect(kinds).toEqual(['pending', 'pending', 'pending', 'fired']);
      expect(ids(fired)).toEqual(['a2', 'b1', 'a3']);
    });

    it('unordered [a, b, a]: two distinct a and one b, in any order', () => {
      const { kinds, fired } = run(
        { ...aba, ordered: false },
        events([
          ['b1', 'b', at(0)],
          ['a1', 'a', at(1)],
          ['a2', 'a', at(2)],
        ]),
      );
      expect(kinds).toEqual(['pending', 'pending', 'fired']);
      expect(ids(fired)).toEqual(['b1', 'a1', 'a2']);
    });

    it('a redelivered event is not counted twice', () => {
      const { kinds, results } = run(
        { ...aba, ordered: false },
        events([
          ['a1', 'a', at(0)],
          ['b1', 'b', at(1)],
          ['a1', 'a', at(0)],
        ]),
      );
      expect(kinds).toEqual(['pending', 'pending', 'ignored']);
      expect(results[2]).toMatchObject({ reason: 'duplicate' });
    });
  });

  describe('out-of-order arrival', () => {
    it('an event late by at most the allowed lateness is placed by event time and can complete it', () => {
      const { kinds, fired } = run(
        BUYING_INTENT,
        events([
          ['p', 'pricing_page_view', '2025-01-10T10:00:00Z'],
          ['d', 'demo_request', '2025-01-10T10:10:00Z'],
          ['w', 'whitepaper_download', '2025-01-10T10:05:00Z'],
        ]),
      );
      expect(kinds).toEqual(['pending', 'pending', 'fired']);
      expect(fired?.kind === 'fired' && fired.events.map((e) => e.type)).toEqual(BUYING_INTENT.eventTypes);
      expect(ids(fired)).toEqual(['p', 'w', 'd']);
    });

    it('an event older than watermark − allowed lateness is late: not used, state unchanged', () => {
      const first = stepSequence(
        BUYING_INTENT,
        undefined,
        { id: 'p', type: 'pricing_page_view', time: '2025-01-10T10:00:00Z' },
        { allowedLatenessMs: 300_000 },
      );
      const second = stepSequence(
        BUYING_INTENT,
        first.state,
        { id: 'd', type: 'demo_request', time: '2025-01-10T10:10:00Z' },
        { allowedLatenessMs: 300_000 },
      );
      const lateEvent = { id: 'w', type: 'whitepaper_download', time: '2025-01-10T10:04:59Z' };
      const late = stepSequence(BUYING_INTENT, second.state, lateEvent, { allowedLatenessMs: 300_000 });
      expect(late).toEqual({ kind: 'late', reason: 'behind-watermark', state: second.state });
      expect(late.state).toBe(second.state);
    });

    it('reports the match that ends earliest when a late event completes several', () => {
      const { fired } = run(
        { ...BUYING_INTENT, ordered: false },
        events([
          ['d1', 'demo_request', '2025-01-10T10:02:00Z'],
          ['w1', 'whitepaper_download', '2025-01-10T10:03:00Z'],
          ['d2', 'demo_request', '2025-01-10T10:04:00Z'],
          ['p1', 'pricing_page_view', '2025-01-10T10:01:00Z'],
        ]),
      );
      expect(ids(fired)).toEqual(['p1', 'd1', 'w1']);
    });
  });

  it('fires once per lead: afterwards every event is ignored and the state is just the latch', () => {
    const stream = events([
      ['p1', 'pricing_page_view', '2025-01-10T09:00:00Z'],
      ['w1', 'whitepaper_download', '2025-01-10T09:01:00Z'],
      ['d1', 'demo_request', '2025-01-10T09:02:00Z'],
      ['p2', 'pricing_page_view', '2025-01-11T09:00:00Z'],
      ['w2', 'whitepaper_download', '2025-01-11T09:01:00Z'],
      ['d2', 'demo_request', '2025-01-11T09:02:00Z'],
    ]);
    const { kinds, results, state } = run(BUYING_INTENT, stream);
    expect(kinds).toEqual(['pending', 'pending', 'fired', 'ignored', 'ignored', 'ignored']);
    expect(results[5]).toMatchObject({ reason: 'already-fired' });
    expect(state).toEqual({ events: [], firedAt: Date.parse('2025-01-10T09:02:00Z') });
  });

  it('an inactive sequence never fires', () => {
    const { results } = run(
      { ...BUYING_INTENT, active: false },
      events([
        ['p1', 'pricing_page_view', '2025-01-10T09:00:00Z'],
        ['w1', 'whitepaper_download', '2025-01-10T09:01:00Z'],
        ['d1', 'demo_request', '2025-01-10T09:02:00Z'],
      ]),
    );
    expect(results).toEqual([
      { kind: 'ignored', reason: 'inactive', state: undefined },
      { kind: 'ignored', reason: 'inactive', state: undefined },
      { kind: 'ignored', reason: 'inactive', state: undefined },
    ]);
  });

  it.each([
    ['not RFC 3339', { id: 'x', type: 'demo_request', time: '10 Jan 2025' }],
    ['an impossible date', { id: 'x', type: 'demo_request', time: '2025-02-30T09:00:00Z' }],
    ['no time', { id: 'x', type: 'demo_request' }],
    ['a numeric id', { id: 7, type: 'demo_request', time: '2025-01-10T09:00:00Z' }],
  ])('an event with %s is late (invalid-event): counted, never used', (_, event) => {
    expect(stepSequence(BUYING_INTENT, undefined, event as unknown as SequenceEvent)).toEqual({
      kind: 'late',
      reason: 'invalid-event',
      state: undefined,
    });
  });

  it.each<[string, unknown, unknown, unknown]>([
    ['a null event', BUYING_INTENT, undefined, null],
    ['a null sequence', null, undefined, { id: 'x', type: 'a', time: '2025-01-10T09:00:00Z' }],
    ['a corrupt state', BUYING_INTENT, { events: [null, { id: 1 }, 'x'], watermark: 'no' }, null],
    ['event types that are not strings', { ...BUYING_INTENT, eventTypes: [1, null] }, undefined, {}],
    ['a state that is not an object', BUYING_INTENT, 42, { id: 'x', type: 'demo_request', time: 'x' }],
  ])('never throws on %s', (_, definition, state, event) => {
    expect(() =>
      stepSequence(definition as SequenceDefinition, state as LeadSequenceState, event as SequenceEvent, {
        allowedLatenessMs: Number.NaN,
      }),
    ).not.toThrow();
  });

  it('a corrupt state is read safely: bad entries dropped, events sorted, a present latch holds', () => {
    const state = {
      events: [
        { id: 'w', type: 'whitepaper_download', at: Date.parse('2025-01-10T09:01:00Z') },
        { id: 'junk', type: 'pricing_page_view', at: 'soon' },
        { id: 'p', type: 'pricing_page_view', at: Date.parse('2025-01-10T09:00:00Z') },
      ],
    } as unknown as LeadSequenceState;
    const before = structuredClone(state);
    const result = stepSequence(BUYING_INTENT, state, { id: 'd', type: 'demo_request', time: '2025-01-10T09:02:00Z' });
    expect(ids(result)).toEqual(['p', 'w', 'd']);
    expect(state).toEqual(before);
    const unsorted = { events: [state.events[0], state.events[2]] } as LeadSequenceState;
    const copy = structuredClone(unsorted);
    stepSequence(BUYING_INTENT, unsorted, { id: 'd', type: 'demo_request', time: '2025-01-10T09:02:00Z' });
    expect(unsorted).toEqual(copy);
    const latched = { events: [], firedAt: 'yesterday' } as unknown as LeadSequenceState;
    expect(
      stepSequence(BUYING_INTENT, latched, { id: 'p', type: 'pricing_page_view', time: '2025-01-10T09:00:00Z' }),
    ).toMatchObject({ kind: 'ignored', reason: 'already-fired' });
  });

  it('keeps the latest-start partial chain through a burst of one type within the lateness', () => {
    // Window 10 s, lateness 100 s: every event is still "open". a@5 is neither the first nor the
    // last a, but it is the latest a before b@6: the only one that keeps a..c within the window.
    const definition = sequence(['a', 'b', 'c'], { windowSeconds: 10 });
    const at = (second: number) => `2025-01-10T09:00:${String(second).padStart(2, '0')}Z`;
    const stream = [0, 1, 2, 3, 4, 5].map((s): [string, string, string] => [`a${s}`, 'a', at(s)]);
    stream.push(['b6', 'b', at(6)], ['a7', 'a', at(7)], ['a8', 'a', at(8)], ['a9', 'a', at(9)], ['c', 'c', at(15)]);
    const { kinds, fired } = run(definition, events(stream), 100_000);
    expect(kinds[kinds.length - 1]).toBe('fired');
    expect(ids(fired)).toEqual(['a5', 'b6', 'c']);
  });

  it('keeps the state bounded for a lead that never completes', () => {
    const definition = { ...BUYING_INTENT, windowSeconds: DAY };
    let state: LeadSequenceState | undefined;
    const start = Date.parse('2025-01-01T00:00:00Z');
    for (let i = 0; i < 2000; i++) {
      // Pricing views every 10 minutes and a whitepaper every 100, never a demo request.
      const type = i % 10 === 9 ? 'whitepaper_download' : 'pricing_page_view';
      const time = new Date(start + i * 600_000).toISOString();
      const result = stepSequence(definition, state, { id: `e${i}`, type, time });
      expect(result.kind).toBe('pending');
      state = result.state;
      expect(state?.events.length).toBeLessThanOrEqual(maxStateEvents(definition));
    }
    expect(state?.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['pricing_page_view', 'whitepaper_download']),
    );
    expect(state?.events.length).toBeLessThanOrEqual(5);
  });
});

describe('expireState', () => {
  const definition = { ...BUYING_INTENT, windowSeconds: HOUR };
  const options = { allowedLatenessMs: 300_000 };
  const pending = stepSequence(
    definition,
    undefined,
    { id: 'p', type: 'pricing_page_view', time: '2025-01-10T09:00:00Z' },
    options,
  ).state;

  it('keeps partial progress while a match can still complete it', () => {
    expect(expireState(definition, pending, Date.parse('2025-01-10T10:05:00Z'), options)).toEqual({
      events: [{ id: 'p', type: 'pricing_page_view', at: Date.parse('2025-01-10T09:00:00Z') }],
      watermark: Date.parse('2025-01-10T10:05:00Z'),
    });
  });

  it('drops it (undefined) once the window and the lateness have passed', () => {
    expect(expireState(definition, pending, Date.parse('2025-01-10T10:05:01Z'), options)).toBeUndefined();
  });

  it('moves the watermark: events older than now − lateness become late', () => {
    const expired = expireState(definition, pending, Date.parse('2025-01-10T10:00:00Z'), options);
    const result = stepSequence(
      definition,
      expired,
      { id: 'w', type: 'whitepaper_download', time: '2025-01-10T09:50:00Z' },
      options,
    );
    expect(result).toMatchObject({ kind: 'late', reason: 'behind-watermark' });
  });

  it('keeps a fired latch forever; nothing to keep for no state', () => {
    expect(expireState(definition, { events: [], firedAt: 1 }, Number.MAX_SAFE_INTEGER / 2, options)).toEqual({
      events: [],
      firedAt: 1,
    });
    expect(expireState(definition, undefined, 0, options)).toBeUndefined();
  });

  it('leaves the state as it is when now is not a time', () => {
    expect(expireState(definition, pending, Number.NaN, options)).toBe(pending);
  });
});
