import type { AttemptOutcome, ConnectionSettings } from '@flowline/delivery';
import type { FlowlineMetrics } from '@flowline/observability';
import pino from 'pino';
import { CONNECTION, DispatcherHarness, settle } from '../test/dispatcher-harness';
import { ConnectionHealthStore, EndpointHealth, failingTooLong } from './endpoint-health';

/** Nobody is told: recoveries send no notice. */
const NO_NOTICES = { notify: () => Promise.resolve() };

const MINUTE = 60_000;

/**
 * Endpoint health (decision 0020) through the dispatcher as production composes it, on the
 * in-memory twins and a manual clock: a connection whose deliveries all fail with retryable
 * failures for longer than its `pause_after_failing_s` is paused as a 410 pauses it.
 */
describe('endpoint health', () => {
  let h: DispatcherHarness;
  beforeEach(() => {
    h = new DispatcherHarness({ maxRetries: 10, retryScheduleS: [10], pauseAfterFailingS: 120 });
  });

  /** One new delivery of its own subject, after `wait` ms. */
  async function deliverAfter(wait: number, id: string): Promise<void> {
    h.clock.advance(wait);
    await h.deliver([h.record(h.delivery(id, `lead-${id}`))]);
  }

  it.each([
    [0, 60_000, 120, false],
    [0, 119_999, 120, false],
    [0, 120_000, 120, true],
    [0, 10_000_000, 0, false],
  ])('failingTooLong(since %d, now %d, %d s) is %s', (since, now, limit, expected) => {
    expect(failingTooLong(since, now, limit)).toBe(expected);
  });

  it('503s for longer than pause_after_failing_s pause the connection; later deliveries are held, unattempted', async () => {
    h.receiver.answer(503);
    await deliverAfter(0, 'd1');
    const failingSince = h.connections.failingSince.get(CONNECTION);
    expect(failingSince?.getTime()).toBe(h.clock.now());
    await deliverAfter(MINUTE, 'd2');
    expect(h.connections.pausedInDatabase.has(CONNECTION)).toBe(false);
    await deliverAfter(MINUTE, 'd3');
    expect(h.connections.pausedInDatabase.get(CONNECTION)).toBe(
      `pause_after_failing_s: every delivery failed with a retryable failure for more than 120 s ` +
        `(since ${failingSince!.toISOString()}; last: HTTP 503)`,
    );
    expect(await h.counter('connectionPauses', 'failing')).toBe(1);
    expect(h.notices).toEqual([
      {
        type: 'connection.paused',
        tenant: 'acme',
        at: h.clock.now(),
        data: {
          connection_id: CONNECTION,
          connection_name: 'webhook_url',
          reason: h.connections.pausedInDatabase.get(CONNECTION),
          rule: 'failing',
        },
      },
    ]);
    const gauge = await h.metrics.connectionPaused.get();
    expect(gauge.values).toEqual([
      expect.objectContaining({ labels: { tenant: 'acme', connection: CONNECTION }, value: 1 }),
    ]);

    await deliverAfter(1_000, 'd4');
    expect(h.receiver.sent.map((delivery) => delivery.id)).toEqual(['d1', 'd2', 'd3']);
    expect(h.store.row('d4')).toMatchObject({
      status: 'held',
      lastError: expect.stringContaining('the connection is paused (pause_after_failing_s:'),
    });
    // The retries of the deliveries that failed come due: held too, not attempted.
    h.clock.advance(MINUTE);
    await h.deliver(h.take('retry').map((retry) => h.consumed(retry)));
    expect(['d1', 'd2', 'd3', 'd4'].map((id) => h.status(id))).toEqual(['held', 'held', 'held', 'held']);
    expect(h.receiver.sent).toHaveLength(3);
  });

  it('resumed, it releases every held delivery, each subject in order, and its clock starts anew', async () => {
    h.receiver.answer(503);
    await deliverAfter(0, 'a1');
    await deliverAfter(2 * MINUTE, 'b1');
    expect(h.connections.pausedInDatabase.has(CONNECTION)).toBe(true);
    for (const id of ['a2', 'a3']) await h.deliver([h.record(h.delivery(id, 'lead-a1'))]);
    for (const id of ['b2', 'b3']) await h.deliver([h.record(h.delivery(id, 'lead-b1'))]);
    h.clock.advance(MINUTE);
    await h.deliver(h.take('retry').map((retry) => h.consumed(retry)));
    h.receiver.answer(200);
    h.connections.resume(CONNECTION);
    await h.sweep();
    const sent = h.receiver.sent.slice(2).map((delivery) => delivery.id);
    expect(sent.filter((id) => id.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(sent.filter((id) => id.startsWith('b'))).toEqual(['b1', 'b2', 'b3']);
    expect(['a1', 'a2', 'a3', 'b1', 'b2', 'b3'].map((id) => h.status(id))).toEqual(Array(6).fill('succeeded'));
    expect(h.connections.failingSince.has(CONNECTION)).toBe(false);
  });

  it('one success resets the clock', async () => {
    h.receiver.answer(503, 200, 503);
    await deliverAfter(0, 'd1');
    await deliverAfter(MINUTE, 'd2');
    expect(h.connections.failingSince.has(CONNECTION)).toBe(false);
    await deliverAfter(MINUTE + 1_000, 'd3');
    expect(h.connections.pausedInDatabase.has(CONNECTION)).toBe(false);
    await deliverAfter(2 * MINUTE, 'd4');
    expect(h.connections.pausedInDatabase.has(CONNECTION)).toBe(true);
  });

  it("another dispatcher's success in between (the clock stopped in the database) keeps it running", async () => {
    h.receiver.answer(503);
    await deliverAfter(0, 'd1');
    h.connections.failingSince.delete(CONNECTION);
    await deliverAfter(3 * MINUTE, 'd2');
    expect(h.connections.pausedInDatabase.has(CONNECTION)).toBe(false);
    expect(h.notices).toEqual([]);
    expect(h.status('d2')).toBe('retrying');
    // This process looks again from its next failure on.
    await deliverAfter(1_000, 'd3');
    await deliverAfter(2 * MINUTE, 'd4');
    expect(h.connections.pausedInDatabase.has(CONNECTION)).toBe(true);
  });

  it.each([
    ['timeouts', { error: 'timeout' as const }],
    ['connection errors', { error: 'connection' as const }],
    ['429s', 429],
  ])('%s count as failures', async (_name, answer) => {
    h.receiver.answer(answer);
    await deliverAfter(0, 'd1');
    await deliverAfter(2 * MINUTE, 'd2');
    expect(h.connections.pausedInDatabase.has(CONNECTION)).toBe(true);
  });

  it('0 turns the rule off', async () => {
    h = new DispatcherHarness({ maxRetries: 10, retryScheduleS: [10], pauseAfterFailingS: 0 });
    h.receiver.answer(503);
    await deliverAfter(0, 'd1');
    await deliverAfter(24 * 60 * MINUTE, 'd2');
    expect(h.connections.pausedInDatabase.has(CONNECTION)).toBe(false);
    expect(h.connections.failingSince.size).toBe(0);
  });

  it('a connection without its own setting takes FLOWLINE_PAUSE_AFTER_FAILING_S (an hour here)', async () => {
    h = new DispatcherHarness({ maxRetries: 10, retryScheduleS: [10] });
    h.receiver.answer(503);
    await deliverAfter(0, 'd1');
    await deliverAfter(59 * MINUTE, 'd2');
    expect(h.connections.pausedInDatabase.has(CONNECTION)).toBe(false);
    await deliverAfter(MINUTE, 'd3');
    expect(h.connections.pausedInDatabase.has(CONNECTION)).toBe(true);
  });

  it('a 410 still pauses at once, counted as the gone rule', async () => {
    h.receiver.answer(410);
    await deliverAfter(0, 'd1');
    expect(h.connections.pausedInDatabase.get(CONNECTION)).toBe('HTTP 410: endpoint gone');
    expect(await h.counter('connectionPauses', 'gone')).toBe(1);
    expect(h.notices.map((notice) => [notice.type, notice.data.rule])).toEqual([['connection.paused', 'gone']]);
  });
});

describe('endpoint health: storing recoveries', () => {
  it('stores the recoveries of every connection that succeeded while the last write was on its way in one statement', async () => {
    const writes: string[][] = [];
    let finishFirst: () => void = () => undefined;
    const store = {
      markRecovered: (connections: Array<{ tenant: string; id: string }>) => {
        writes.push(connections.map(({ id }) => id));
        return writes.length === 1 ? new Promise<void>((resolve) => (finishFirst = resolve)) : Promise.resolve();
      },
    } as unknown as ConnectionHealthStore;
    const health = new EndpointHealth(store, NO_NOTICES, 120, {} as FlowlineMetrics, pino({ level: 'silent' }), {
      now: () => 0,
      after: () => () => undefined,
    });
    const success = { kind: 'success' } as AttemptOutcome;
    const connection = (id: string) => ({ id, tenant: `tenant-${id}` }) as ConnectionSettings;
    const first = health.afterAttempt(connection('c0'), success);
    await settle();
    // Ten connections succeed while the first write is on its way: they wait for the next one.
    const rest = Array.from({ length: 10 }, (_, index) => health.afterAttempt(connection(`c${index + 1}`), success));
    await settle();
    expect(writes).toEqual([['c0']]);
    finishFirst();
    await Promise.all([first, ...rest]);
    expect(writes).toEqual([['c0'], Array.from({ length: 10 }, (_, index) => `c${index + 1}`)]);
  });
});
