import { RETRY_HEADERS, retryTopic } from '@flowline/contracts';
import { Answer, CONNECTION, DispatcherHarness, headersOf, TENANT } from '../test/dispatcher-harness';

/**
 * Every branch of the dispatcher's intake and settlement, through the use case as production
 * composes it, on the delivery store's in-memory twin, a manual clock and scripted receivers:
 * no Kafka, no PostgreSQL, no waiting. The end-to-end suites (test/delivery-*.e2e.test.ts,
 * test/dispatcher-crash.e2e.test.ts) check the same behaviour through the real parts.
 */
describe('delivering webhooks', () => {
  let h: DispatcherHarness;
  beforeEach(() => {
    h = new DispatcherHarness();
  });

  describe('settles each answer of the receiver (docs/CONTRACT.md §8)', () => {
    it.each<[string, Answer, { status: string; tier?: string; dlq?: string; attempts?: number }]>([
      ['2xx: succeeded', 200, { status: 'succeeded' }],
      ['5xx: retried (tier 1, within a minute)', 503, { status: 'retrying', tier: '1' }],
      ['429: retried', 429, { status: 'retrying', tier: '1' }],
      ['timeout: retried', { error: 'timeout' }, { status: 'retrying', tier: '1' }],
      ['connection refused: retried', { error: 'connection' }, { status: 'retrying', tier: '1' }],
      ['3xx: retried, never followed', 302, { status: 'retrying', tier: '1' }],
      ['other 4xx: failed at once', 404, { status: 'failed', dlq: 'general' }],
      ['410: failed, category config', 410, { status: 'failed', dlq: 'config' }],
      [
        'an OAuth2 token refused, then accepted: succeeded, both requests logged',
        { refusedThen: 200 },
        { status: 'succeeded', attempts: 2 },
      ],
    ])('%s', async (_name, answer, expected) => {
      h.receiver.answer(answer);
      await h.deliver([h.record(h.delivery('d1'))]);
      expect(h.status('d1')).toBe(expected.status);
      expect(h.store.attemptsOf('d1')).toHaveLength(expected.attempts ?? 1);
      const retries = h.take('retry');
      expect(retries.map((message) => message.topic)).toEqual(
        expected.tier ? [h.topics.of(retryTopic(Number(expected.tier)))] : [],
      );
      if (expected.tier) {
        // The connection's schedule (10 s), no jitter from the fixed random source, retry 1.
        expect(headersOf(retries[0]!)).toMatchObject({ retry: '1', dueAt: h.clock.now() + 10_000 });
        expect(h.store.row('d1')).toMatchObject({ retryCount: 1, nextAttemptAt: h.clock.now() + 10_000 });
      }
      expect(h.take('dlq').map((message) => headersOf(message).category)).toEqual(expected.dlq ? [expected.dlq] : []);
    });
  });

  it('retries on the schedule, then abandons to the DLQ with its attempt count', async () => {
    h.receiver.answer(503);
    await h.deliver([h.record(h.delivery('d1'))]);
    for (const wait of [10_000, 120_000]) {
      const [retry] = h.take('retry');
      h.clock.advance(wait);
      await h.deliver([h.consumed(retry!)]);
    }
    expect(h.take('retry')).toEqual([]);
    expect(h.take('dlq').map(headersOf)).toEqual([
      expect.objectContaining({ category: 'system', attempts: '3', error: 'HTTP 503' }),
    ]);
    expect(h.store.row('d1')).toMatchObject({ status: 'abandoned', attempts: 3, retryCount: 2 });
    expect(await h.counter('deliveries', 'abandoned')).toBe(1);
  });

  it('a retry record not yet due waits: the partition pauses until it, the due ones behind it go', async () => {
    h.receiver.answer(503, 503, 200);
    await h.deliver([h.record(h.delivery('d1', 'lead-1')), h.record(h.delivery('d2', 'lead-2'))]);
    const retries = h.take('retry');
    const [late, early] = ['lead-1', 'lead-2'].map((subject) => retries.find((m) => m.key === `${TENANT}:${subject}`));
    h.clock.advance(10_000);
    const lateRecord = {
      ...h.consumed(late!),
      headers: { ...late!.headers, [RETRY_HEADERS.dueAt]: String(h.clock.now() + 5_000) },
    };
    expect(await h.deliver([lateRecord, h.consumed(early!)])).toEqual({
      handled: 0,
      pauseUntil: h.clock.now() + 5_000,
    });
    expect(h.status('d2')).toBe('succeeded');
  });

  it('a record that does not decode is dead-lettered (system), not retried', async () => {
    await h.deliver([h.record(Buffer.from('{"v":1,"id":'))]);
    expect(h.take('dlq').map((message) => headersOf(message).category)).toEqual(['system']);
    expect(h.store.allRows()).toEqual([]);
  });

  it('a delivery to an unknown connection fails (config) with the reason in its log', async () => {
    await h.deliver([h.record(h.delivery('d1', 'lead-1', { connectionId: '9f1c0000-0000-4000-8000-000000000000' }))]);
    expect(h.store.row('d1')).toMatchObject({ status: 'failed', lastError: expect.stringContaining('not found') });
    expect(h.take('dlq').map((message) => headersOf(message).category)).toEqual(['config']);
    expect(h.receiver.sent).toEqual([]);
  });

  describe("an operator's submit", () => {
    async function abandoned(): Promise<number> {
      h.connections.add({ id: CONNECTION, tenant: TENANT, maxRetries: 0 });
      h.receiver.answer(503, 200);
      await h.deliver([h.record(h.delivery('d1'))]);
      expect(h.status('d1')).toBe('abandoned');
      return (await h.store.markSubmitted(TENANT, 'd1'))!;
    }
    const submitted = (dueAt: number) => ({ [RETRY_HEADERS.resubmit]: '1', [RETRY_HEADERS.dueAt]: String(dueAt) });

    it('is attempted at once; a second copy of the same submit is not sent again', async () => {
      const dueAt = await abandoned();
      await h.deliver([h.record(h.delivery('d1'), submitted(dueAt))]);
      await h.deliver([h.record(h.delivery('d1'), submitted(dueAt))]);
      expect(h.status('d1')).toBe('succeeded');
      expect(h.receiver.sent.map((delivery) => delivery.id)).toEqual(['d1', 'd1']);
    });

    it('superseded by a later submit, it is skipped', async () => {
      const dueAt = await abandoned();
      h.clock.advance(1);
      await h.store.markSubmitted(TENANT, 'd1');
      await h.deliver([h.record(h.delivery('d1'), submitted(dueAt))]);
      expect(h.status('d1')).toBe('retrying');
      expect(h.receiver.sent).toHaveLength(1);
    });

    it("goes ahead of its retry, releases the subject's held ones, and its retry record is then stale", async () => {
      h.receiver.answer(503, 200);
      await h.deliver([h.record(h.delivery('d1')), h.record(h.delivery('d2'))]);
      expect([h.status('d1'), h.status('d2')]).toEqual(['retrying', 'held']);
      const [retry] = h.take('retry');
      const dueAt = (await h.store.markSubmitted(TENANT, 'd1'))!;
      await h.deliver([h.record(h.delivery('d1'), submitted(dueAt))]);
      expect([h.status('d1'), h.status('d2')]).toEqual(['succeeded', 'succeeded']);
      h.clock.advance(10_000);
      await h.deliver([h.consumed(retry!)]);
      expect(h.receiver.sent.map((delivery) => delivery.id)).toEqual(['d1', 'd1', 'd2']);
    });
  });

  describe('a record seen again after a crash (its offset was not committed)', () => {
    it('is not sent again once its delivery settled', async () => {
      const record = h.record(h.delivery('d1'));
      await h.deliver([record]);
      await h.deliver([record]);
      expect(h.receiver.sent).toHaveLength(1);
    });

    it('waiting for a retry: its retry record is produced again with the same due time, not attempted', async () => {
      h.receiver.answer(503);
      const record = h.record(h.delivery('d1'));
      await h.deliver([record]);
      const [first] = h.take('retry');
      await h.deliver([record]);
      const [again] = h.take('retry');
      expect(headersOf(again!)).toEqual(headersOf(first!));
      expect(h.receiver.sent).toHaveLength(1);
    });

    it('a stale retry record of a delivery that settled releases its lane, in case a crash cut that short', async () => {
      h.receiver.answer(503, 200);
      await h.deliver([h.record(h.delivery('d1')), h.record(h.delivery('d2'))]);
      const [retry] = h.take('retry');
      await h.succeededBeforeCrash('d1');
      h.clock.advance(10_000);
      await h.deliver([h.consumed(retry!)]);
      expect(h.status('d2')).toBe('succeeded');
      expect(h.receiver.sent.map((delivery) => delivery.id)).toEqual(['d1', 'd2']);
    });

    it('a second copy of a retry record is stale once the first was attempted', async () => {
      h.receiver.answer(503, 503, 200);
      await h.deliver([h.record(h.delivery('d1'))]);
      const [retry] = h.take('retry');
      h.clock.advance(10_000);
      await h.deliver([h.consumed(retry!)]);
      await h.deliver([h.consumed(retry!)]);
      expect(h.receiver.sent).toHaveLength(2);
      expect(h.store.row('d1')).toMatchObject({ status: 'retrying', retryCount: 2 });
    });
  });

  describe('lanes (ordering per_subject)', () => {
    it("holds a subject's later deliveries behind one waiting for a retry, then releases them in order", async () => {
      h.receiver.answer(503, 200);
      await h.deliver([h.record(h.delivery('d1')), h.record(h.delivery('d2')), h.record(h.delivery('o1', 'lead-2'))]);
      await h.deliver([h.record(h.delivery('d3'))]);
      expect(['d1', 'd2', 'd3', 'o1'].map((id) => h.status(id))).toEqual(['retrying', 'held', 'held', 'succeeded']);
      expect(await h.counter('deliveriesHeld', 'lane')).toBe(2);
      const [retry] = h.take('retry');
      h.clock.advance(10_000);
      await h.deliver([h.consumed(retry!)]);
      expect(['d1', 'd2', 'd3'].map((id) => h.status(id))).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(h.receiver.sent.map((delivery) => delivery.id)).toEqual(['d1', 'o1', 'd1', 'd2', 'd3']);
    });

    it('with ordering none nothing is held', async () => {
      h = new DispatcherHarness({ ordering: 'none' });
      h.receiver.answer(503, 200);
      await h.deliver([h.record(h.delivery('d1')), h.record(h.delivery('d2'))]);
      expect([h.status('d1'), h.status('d2')]).toEqual(['retrying', 'succeeded']);
    });

    it('a release stops at a delivery that has to wait again, and goes on after its retry', async () => {
      h.receiver.answer(503);
      await h.deliver([h.record(h.delivery('d1')), h.record(h.delivery('d2')), h.record(h.delivery('d3'))]);
      // d1's retry fails for good (a settled head releases its lane, failed or not); d2 then has to wait.
      h.receiver.answer(400, 503, 200);
      const [retry] = h.take('retry');
      h.clock.advance(10_000);
      await h.deliver([h.consumed(retry!)]);
      expect(['d1', 'd2', 'd3'].map((id) => h.status(id))).toEqual(['failed', 'retrying', 'held']);
      const [next] = h.take('retry');
      h.clock.advance(10_000);
      await h.deliver([h.consumed(next!)]);
      expect(['d2', 'd3'].map((id) => h.status(id))).toEqual(['succeeded', 'succeeded']);
    });

    it('a release cut short by a crash is taken over once its lease expired, not before', async () => {
      h.receiver.answer(503, 200);
      await h.deliver([h.record(h.delivery('d1')), h.record(h.delivery('d2'))]);
      await h.succeededBeforeCrash('d1');
      // A release claimed d2, then its process died: d2 stays `sending` under a lease nobody renews.
      expect(await h.store.claimNext(h.store.row('d1')!.lane!)).toMatchObject({ id: 'd2' });
      await h.sweep();
      expect(h.status('d2')).toBe('sending');
      h.clock.advance(31_000);
      await h.sweep();
      expect(h.status('d2')).toBe('succeeded');
      expect(h.receiver.sent.map((delivery) => delivery.id)).toEqual(['d1', 'd2']);
    });
  });

  describe('a paused connection', () => {
    it('a 410 pauses it here and in the database; its later deliveries are held until it is resumed', async () => {
      h.receiver.answer(410, 200);
      await h.deliver([h.record(h.delivery('d1'))]);
      expect(h.connections.pausedInDatabase.get(CONNECTION)).toBe('HTTP 410: endpoint gone');
      await h.deliver([h.record(h.delivery('d2', 'lead-2')), h.record(h.delivery('d3', 'lead-2'))]);
      expect([h.status('d2'), h.status('d3')]).toEqual(['held', 'held']);
      expect(await h.counter('deliveriesHeld', 'paused')).toBe(1);
      await h.sweep();
      expect(h.receiver.sent).toHaveLength(1);
      // An operator resumes it: the catalog reloads it unpaused, the sweeper releases the lane.
      h.connections.pausedInDatabase.delete(CONNECTION);
      h.connections.add({ id: CONNECTION, tenant: TENANT, maxRetries: 2, retryScheduleS: [10, 120] });
      await h.sweep();
      expect([h.status('d2'), h.status('d3')]).toEqual(['succeeded', 'succeeded']);
    });

    it('once resumed, its lanes are released by sweeps that each look at a bounded number of lanes, each going on after the last', async () => {
      h = new DispatcherHarness({}, { lanesPerSweep: 2 });
      // Two lanes that come first in the walk stay behind their retrying heads: a sweep that
      // started from the first lane every time would never look further.
      const waiting = '00000000-0000-4000-8000-000000000001';
      h.connections.add({ id: waiting, tenant: TENANT, maxRetries: 2, retryScheduleS: [600, 600] });
      const toWaiting = (id: string, subject: string) => h.record(h.delivery(id, subject, { connectionId: waiting }));
      h.receiver.answer(503, 503, 410, 200);
      await h.deliver([toWaiting('w1-x', 'lead-x'), toWaiting('w1-y', 'lead-y')]);
      await h.deliver([h.record(h.delivery('d0'))]);
      const subjects = ['lead-a', 'lead-b', 'lead-c', 'lead-d', 'lead-e'];
      await h.deliver(subjects.map((subject) => h.record(h.delivery(`d-${subject}`, subject))));
      await h.deliver([toWaiting('w2-x', 'lead-x'), toWaiting('w2-y', 'lead-y')]);
      expect(['w1-x', 'w2-x', 'd-lead-a'].map((id) => h.status(id))).toEqual(['retrying', 'held', 'held']);
      h.connections.resume(CONNECTION);
      const delivered = () => subjects.filter((subject) => h.status(`d-${subject}`) === 'succeeded').length;
      const afterEachSweep: number[] = [];
      for (let sweep = 0; sweep < 4; sweep += 1) {
        await h.sweep();
        afterEachSweep.push(delivered());
      }
      expect(afterEachSweep).toEqual([0, 2, 4, 5]);
      expect(['w1-x', 'w2-x'].map((id) => h.status(id))).toEqual(['retrying', 'held']);
    });
  });

  it('a connection at its rate limit defers the delivery unattempted, without counting a retry', async () => {
    h = new DispatcherHarness({ rateLimitPerS: 0.4 });
    // The bucket's one token goes to the first delivery; the next comes 2.5 s later.
    await h.deliver([h.record(h.delivery('d0'))]);
    expect(h.receiver.sent.map((sent) => sent.id)).toEqual(['d0']);
    await h.deliver([h.record(h.delivery('d1'))]);
    expect(h.receiver.sent.map((sent) => sent.id)).toEqual(['d0']);
    expect(h.store.row('d1')).toMatchObject({ status: 'retrying', retryCount: 0, attempts: 0 });
    const [deferred] = h.take('retry');
    expect(headersOf(deferred!)).toMatchObject({ retry: '1', dueAt: h.clock.now() + 2_500 });
    expect(await h.counter('deliveriesHeld', 'deferred')).toBe(1);
  });

  describe('email', () => {
    it('is sent through SMTP and logged with the reply code', async () => {
      await h.deliver([h.record(h.email('e1'))]);
      expect(h.mailbox.sent.map((sent) => sent.id)).toEqual(['e1']);
      expect(h.store.attemptsOf('e1')).toMatchObject([{ statusCode: 250, responseExcerpt: '250 OK queued' }]);
    });

    it('without an SMTP server it fails (config)', async () => {
      h.mailbox.configured = false;
      await h.deliver([h.record(h.email('e1'))]);
      expect(h.status('e1')).toBe('failed');
      expect(h.take('dlq').map((message) => headersOf(message).category)).toEqual(['config']);
    });
  });

  it('the sweeper produces a retry record lost in a crash again, a minute overdue; the lost one would be stale', async () => {
    h.receiver.answer(503, 200);
    await h.deliver([h.record(h.delivery('d1'))]);
    const [lost] = h.take('retry');
    h.clock.advance(10_000 + 61_000);
    await h.sweep();
    const [again] = h.take('retry');
    expect(headersOf(again!)).toMatchObject({ retry: '1', dueAt: h.clock.now() });
    await h.deliver([h.consumed(lost!)]);
    expect(h.receiver.sent).toHaveLength(1);
    await h.deliver([h.consumed(again!)]);
    expect(h.status('d1')).toBe('succeeded');
  });

  it('a rebalance beginning mid-chunk stops it before the next send; the chunk fails, so its offsets stay uncommitted', async () => {
    await expect(h.deliver([h.record(h.delivery('d1'))], true)).rejects.toThrow('rebalancing');
    expect(h.receiver.sent).toEqual([]);
  });
});
