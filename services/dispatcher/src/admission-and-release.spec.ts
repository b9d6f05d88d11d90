import { Answer, CONNECTION, DispatcherHarness, headersOf, settle, TENANT } from '../test/dispatcher-harness';
import { MAX_ADMISSION_WAIT_MS, MAX_CHUNK_ADMISSION_WAIT_MS, MAX_SOLE_DESTINATION_WAIT_MS } from './attempt-webhook';
import { RELEASE_BATCH, RELEASE_BATCHES } from './lane-releaser';
import { DEFERRED_SLOW, HELD_BEHIND } from './settlement-effects';

/**
 * Decision 0027, on the in-memory twin with a manual clock and a receiver that answers when the
 * test says: a saturated connection is waited for while it makes progress (up to the chunk's hard
 * cap), and a lane is released in batches, the rest of a batch parked again when one has to wait.
 */
describe('waiting for a connection at its max_in_flight', () => {
  let h: DispatcherHarness;
  beforeEach(() => {
    h = new DispatcherHarness({ maxInFlight: 1 });
    h.receiver.hold();
  });

  /** Three subjects' deliveries in one chunk: one is sent, two wait for the connection's one slot. */
  async function threeWaiting(): Promise<{ chunk: Promise<unknown> }> {
    const chunk = h.deliver(['a', 'b', 'c'].map((id) => h.record(h.delivery(id, `lead-${id}`))));
    await settle();
    expect(h.receiver.inFlight).toBe(1);
    // Wrapped: an async function answering a promise would wait for it.
    return { chunk };
  }

  it('waits past the stall time while the connection keeps answering: nothing is deferred', async () => {
    const { chunk } = await threeWaiting();
    for (let answered = 0; answered < 3; answered += 1) {
      h.clock.advance(MAX_ADMISSION_WAIT_MS - 100);
      h.receiver.finishOne();
      await settle();
    }
    await chunk;
    expect(['a', 'b', 'c'].map((id) => h.status(id))).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(h.take('retry')).toEqual([]);
    expect(await h.counter('deliveriesHeld', 'deferred')).toBe(0);
  });

  it('defers what waits once the connection answered nothing for the stall time', async () => {
    const { chunk } = await threeWaiting();
    h.clock.advance(MAX_ADMISSION_WAIT_MS);
    await settle();
    h.receiver.finishOne();
    await chunk;
    expect(['a', 'b', 'c'].map((id) => h.status(id))).toEqual(['succeeded', 'retrying', 'retrying']);
    expect(h.store.row('b')).toMatchObject({ attempts: 0, retryCount: 0 });
    expect(h.take('retry').map((message) => headersOf(message).dueAt)).toEqual([
      h.clock.now() + MAX_ADMISSION_WAIT_MS,
      h.clock.now() + MAX_ADMISSION_WAIT_MS,
    ]);
    expect(await h.counter('deliveriesHeld', 'deferred')).toBe(2);
  });

  /**
   * Answers one request every 0.9 s (never a stall) until the waiting ones would get their slot
   * only after `capMs`, then lets the cap pass and answers the rest.
   */
  async function answerSteadilyPast(capMs: number, chunk: Promise<unknown>): Promise<void> {
    const answerEvery = MAX_ADMISSION_WAIT_MS - 100;
    let elapsed = 0;
    for (; elapsed + answerEvery < capMs; elapsed += answerEvery) {
      h.clock.advance(answerEvery);
      h.receiver.finishOne();
      await settle();
    }
    h.clock.advance(capMs - elapsed);
    await settle();
    h.receiver.finishOne();
    await chunk;
  }

  it("defers what still waits at the chunk's hard cap when the chunk has deliveries to other destinations", async () => {
    const other = '5d0c3f0e-1b2a-4c3d-8e4f-5a6b7c8d9e0f';
    h.connections.add({ id: other, tenant: TENANT, maxInFlight: 10 });
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const chunk = h.deliver([
      h.record(h.delivery('o1', 'lead-o', { connectionId: other })),
      ...ids.map((id) => h.record(h.delivery(id, `lead-${id}`))),
    ]);
    await settle();
    h.receiver.finishOne(); // the other connection's
    await settle();
    // The fifth would get its slot only after the cap.
    await answerSteadilyPast(MAX_CHUNK_ADMISSION_WAIT_MS, chunk);
    expect(['o1', ...ids].map((id) => h.status(id))).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
      'retrying',
    ]);
    expect(await h.counter('deliveriesHeld', 'deferred')).toBe(1);
  });

  it("waits past that cap when every delivery of the chunk goes to the one connection, up to the sole destination's", async () => {
    // Five answers 0.9 s apart take 4.5 s: past the chunk's cap, nobody else's delivery waiting.
    const few = ['a', 'b', 'c', 'd', 'e'];
    const chunk = h.deliver(few.map((id) => h.record(h.delivery(id, `lead-${id}`))));
    await settle();
    for (const _ of few) {
      h.clock.advance(MAX_ADMISSION_WAIT_MS - 100);
      h.receiver.finishOne();
      await settle();
    }
    await chunk;
    expect(few.map((id) => h.status(id))).toEqual(few.map(() => 'succeeded'));
    expect(await h.counter('deliveriesHeld', 'deferred')).toBe(0);
    // Fourteen would take 12.6 s: the last ones still wait at the sole destination's cap.
    const many = Array.from({ length: 14 }, (_, index) => `m${index}`);
    await answerSteadilyPast(
      MAX_SOLE_DESTINATION_WAIT_MS,
      h.deliver(many.map((id) => h.record(h.delivery(id, `lead-${id}`)))),
    );
    expect(await h.counter('deliveriesHeld', 'deferred')).toBeGreaterThan(0);
    expect(many.map((id) => h.status(id))).toContain('retrying');
  });

  it('past the cap, sends no more to a connection that answered slowly: one subject waits a request, not one per delivery', async () => {
    // A receiver that answers after 59 s (within a 60 s timeout): the subject's twenty deliveries
    // each waited for the one before, and held the chunk (and the partition) for twenty minutes.
    h = new DispatcherHarness({ maxInFlight: 10 });
    h.receiver.hold();
    const ids = Array.from({ length: 20 }, (_, index) => `s${index}`);
    const chunk = h.deliver(ids.map((id) => h.record(h.delivery(id, 'lead-slow'))));
    await settle();
    h.clock.advance(59_000);
    h.receiver.finishOne();
    await chunk;
    expect(h.receiver.sent.map((delivery) => delivery.id)).toEqual(['s0']);
    expect(ids.map((id) => h.status(id))).toEqual(['succeeded', 'retrying', ...ids.slice(2).map(() => 'held')]);
    expect(await h.counter('deliveriesHeld', 'deferred')).toBe(1);
    expect(h.store.row('s1')).toMatchObject({ lastError: DEFERRED_SLOW });
    // One that answers each request within the stall time is sent to past the cap as before, also
    // after one request that hung (its first here, 5 s): fourteen answers take 16.7 s.
    const quick = Array.from({ length: 14 }, (_, index) => `q${index}`);
    const next = h.deliver(quick.map((id) => h.record(h.delivery(id, 'lead-quick'))));
    await settle();
    h.clock.advance(5_000 - (MAX_ADMISSION_WAIT_MS - 100));
    for (const _ of quick) {
      h.clock.advance(MAX_ADMISSION_WAIT_MS - 100);
      h.receiver.finishOne();
      await settle();
    }
    await next;
    expect(quick.map((id) => h.status(id))).toEqual(quick.map(() => 'succeeded'));
  });

  it("another connection's deliveries in the chunk go on while these wait", async () => {
    const other = '5d0c3f0e-1b2a-4c3d-8e4f-5a6b7c8d9e0f';
    h.connections.add({ id: other, tenant: TENANT, maxInFlight: 10 });
    const chunk = h.deliver([
      ...['a', 'b'].map((id) => h.record(h.delivery(id, `lead-${id}`))),
      h.record(h.delivery('o1', 'lead-o', { connectionId: other })),
    ]);
    await settle();
    // 'a' and 'o1' are in flight; 'b' waits for 'a'.
    expect(h.receiver.sent.map((delivery) => delivery.id)).toEqual(['a', 'o1']);
    h.receiver.finishOne();
    h.receiver.finishOne();
    await settle();
    h.receiver.finishOne();
    await chunk;
    expect(['a', 'b', 'o1'].map((id) => h.status(id))).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });
});

describe('releasing a lane in batches', () => {
  let h: DispatcherHarness;
  beforeEach(() => {
    // The harness's connection has rate enough for every release here at once: the clock does
    // not move while they go.
    h = new DispatcherHarness();
  });

  /** A lane whose head (h0) waits for its retry with `held` deliveries behind it. */
  async function heldLane(held: number, ...answers: Answer[]): Promise<string[]> {
    h.receiver.answer(503, ...answers);
    const ids = Array.from({ length: held + 1 }, (_, index) => `h${index}`);
    await h.deliver(ids.map((id) => h.record(h.delivery(id))));
    expect(ids.map((id) => h.status(id))).toEqual(['retrying', ...ids.slice(1).map(() => 'held')]);
    return ids;
  }

  async function retryHead(): Promise<void> {
    const [retry] = h.take('retry');
    h.clock.advance(10_000);
    await h.deliver([h.consumed(retry!)]);
  }

  it('claims the held deliveries together and stores their attempts in one write, in lane order', async () => {
    const ids = await heldLane(5, 200);
    const claims = jest.spyOn(h.store, 'claimBatch');
    const writes = jest.spyOn(h.store, 'record');
    await retryHead();
    expect(ids.map((id) => h.status(id))).toEqual(ids.map(() => 'succeeded'));
    expect(h.receiver.sent.map((delivery) => delivery.id)).toEqual(['h0', ...ids]);
    // The first alone, then a batch of the other four, then a claim that finds the lane empty.
    expect(claims.mock.calls.map(([, limit]) => limit)).toEqual([...RELEASE_BATCHES]);
    // The retry chunk's write (h0), then one per batch: the four at once.
    expect(writes.mock.calls.map(([attempts]) => attempts.length)).toEqual([1, 1, 4]);
  });

  it('a lane longer than a batch is released batch after batch', async () => {
    const ids = await heldLane(RELEASE_BATCH + 2, 200);
    await retryHead();
    expect(ids.every((id) => h.status(id) === 'succeeded')).toBe(true);
    expect(h.receiver.sent.map((delivery) => delivery.id)).toEqual(['h0', ...ids]);
  });

  it('stops at one that has to wait: the rest of the batch is held again, in its place, and goes after it', async () => {
    const ids = await heldLane(4, 200, 200, 503, 200);
    await retryHead();
    expect(ids.map((id) => h.status(id))).toEqual(['succeeded', 'succeeded', 'retrying', 'held', 'held']);
    expect(h.store.row('h3')).toMatchObject({ attempts: 0, lastError: HELD_BEHIND });
    expect(h.receiver.sent.map((delivery) => delivery.id)).toEqual(['h0', 'h0', 'h1', 'h2']);
    await retryHead();
    expect(ids.map((id) => h.status(id))).toEqual(ids.map(() => 'succeeded'));
    expect(h.receiver.sent.map((delivery) => delivery.id)).toEqual(['h0', 'h0', 'h1', 'h2', 'h2', 'h3', 'h4']);
  });

  it("one held again keeps the reason it waited for (a recovery job's)", async () => {
    h.connections.add({ id: CONNECTION, tenant: TENANT, maxRetries: 0 });
    h.receiver.answer(503);
    await h.deliver(['r1', 'r2', 'r3'].map((id) => h.record(h.delivery(id))));
    expect(['r1', 'r2', 'r3'].map((id) => h.status(id))).toEqual(['abandoned', 'abandoned', 'abandoned']);
    // A recovery job puts them back in their lane; the connection retries again meanwhile.
    const reason = 'resubmitted by recovery job 1';
    await h.store.holdForRecovery(TENANT, ['r1', 'r2', 'r3'], '6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b', reason);
    h.connections.add({ id: CONNECTION, tenant: TENANT, maxRetries: 2, retryScheduleS: [10, 120] });
    h.receiver.answer(200, 503);
    await h.sweep();
    expect(['r1', 'r2', 'r3'].map((id) => h.status(id))).toEqual(['succeeded', 'retrying', 'held']);
    expect(h.store.row('r3')).toMatchObject({ lastError: reason });
  });
});
