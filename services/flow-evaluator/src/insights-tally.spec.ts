import fc from 'fast-check';
import { INSIGHTS_NOT_TRIGGERED_REASONS } from '@flowline/db';
import type { NotTriggeredReason } from '@flowline/matching';
import { EvaluatedEvent, ingestionTime, tallyInsights } from './insights-tally';

const H10 = Date.UTC(2025, 0, 10, 10);
const MIN = 60_000;
const none = { inactive: 0, mode: 0, source: 0, untagged_status: 0, activation: 0, filter: 0 };

const evaluated = (overrides: Partial<EvaluatedEvent>): EvaluatedEvent => ({
  tenant: 'acme',
  subject: 'att-1',
  live: true,
  ingestedAt: H10 + 5 * MIN,
  flowIds: [],
  ...overrides,
});

describe('tallyInsights', () => {
  it('folds a chunk into one tally per tenant, hour of ingestion and live/test', () => {
    const tallies = tallyInsights([
      evaluated({ flowIds: ['f1', 'f2'] }),
      evaluated({ subject: 'att-2', flowIds: ['f1'], ingestedAt: H10 + 59 * MIN }),
      evaluated({ notTriggered: 'untagged_status' }), // att-1 again: a change, not a new registration
      evaluated({ subject: 'att-3', ingestedAt: H10 + 60 * MIN, notTriggered: 'filter' }), // the next hour
      evaluated({ subject: 'att-4', live: false, flowIds: ['f-test'] }),
      evaluated({ tenant: 'globex', notTriggered: 'source' }),
    ]);
    expect(tallies).toEqual([
      {
        tenant: 'acme',
        hour: new Date(H10),
        live: true,
        changesProcessed: 3,
        actionsTriggered: 3,
        notTriggered: { ...none, untagged_status: 1 },
        subjects: ['att-1', 'att-2'],
        flowIds: ['f1', 'f2'],
      },
      {
        tenant: 'acme',
        hour: new Date(H10 + 60 * MIN),
        live: true,
        changesProcessed: 1,
        actionsTriggered: 0,
        notTriggered: { ...none, filter: 1 },
        subjects: ['att-3'],
        flowIds: [],
      },
      {
        tenant: 'acme',
        hour: new Date(H10),
        live: false,
        changesProcessed: 1,
        actionsTriggered: 1,
        notTriggered: none,
        subjects: ['att-4'],
        flowIds: ['f-test'],
      },
      {
        tenant: 'globex',
        hour: new Date(H10),
        live: true,
        changesProcessed: 1,
        actionsTriggered: 0,
        notTriggered: { ...none, source: 1 },
        subjects: ['att-1'],
        flowIds: [],
      },
    ]);
  });

  it('answers nothing for an empty chunk, and skips a tenant PostgreSQL cannot store', () => {
    expect(tallyInsights([])).toEqual([]);
    expect(tallyInsights([evaluated({ tenant: 'ac\u0000me' })])).toEqual([]);
  });

  it('keeps every event: each is a change, triggering actions or counted once as not triggered', () => {
    const reason = fc.constantFrom<NotTriggeredReason>(...INSIGHTS_NOT_TRIGGERED_REASONS);
    const event = fc.record({
      tenant: fc.constantFrom('a', 'b'),
      subject: fc.constantFrom('s1', 's2', 's3'),
      live: fc.boolean(),
      ingestedAt: fc.integer({ min: H10 - 3 * 60 * MIN, max: H10 + 3 * 60 * MIN }),
      flowIds: fc.uniqueArray(fc.constantFrom('f1', 'f2', 'f3'), { maxLength: 3 }),
      reason,
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (drawn) => {
        // As matching reports it: a reason exactly when no flow took the event.
        const events = drawn.map(({ reason: why, ...rest }) =>
          rest.flowIds.length === 0 ? { ...rest, notTriggered: why } : rest,
        );
        const tallies = tallyInsights(events);
        const sum = (pick: (t: (typeof tallies)[number]) => number) => tallies.reduce((n, t) => n + pick(t), 0);
        expect(sum((t) => t.changesProcessed)).toBe(events.length);
        expect(sum((t) => t.actionsTriggered)).toBe(events.reduce((n, e) => n + e.flowIds.length, 0));
        expect(sum((t) => Object.values(t.notTriggered).reduce((a, b) => a + b, 0))).toBe(
          events.filter((e) => e.flowIds.length === 0).length,
        );
        const keys = tallies.map((t) => JSON.stringify([t.tenant, t.hour, t.live]));
        expect(new Set(keys).size).toBe(tallies.length);
        for (const t of tallies) {
          expect(t.hour.getTime() % (60 * MIN)).toBe(0);
          expect(new Set(t.subjects).size).toBe(t.subjects.length);
        }
      }),
    );
  });
});

describe('ingestionTime', () => {
  it.each<[string, unknown, number, number | 'now']>([
    ['the time ingest stamped', 1_736_503_200_000, 5, 1_736_503_200_000],
    ['the record timestamp when the event has none', undefined, 1_736_503_200_000, 1_736_503_200_000],
    ['the record timestamp for text', '1736503200000', 7, 7],
    ['the record timestamp for a time before the epoch', -1, 7, 7],
    ['the record timestamp for a time JavaScript cannot date', 1e20, 7, 7],
    ['now when neither is usable', Number.NaN, Number.NaN, 'now'],
  ])('takes %s', (_, ingestedAt, recordTimestamp, expected) => {
    const before = Date.now();
    const time = ingestionTime(ingestedAt, recordTimestamp);
    if (expected === 'now') {
      expect(time).toBeGreaterThanOrEqual(before);
      expect(time).toBeLessThanOrEqual(Date.now());
    } else expect(time).toBe(expected);
  });
});
