import type { AttemptRecord, DeliveryStatus, DeliveryStore, ParkedDelivery } from '@flowline/db';
import { uniqueSuffix } from './test-environment';

/** A delivery row as both stores can show it, for the contract's assertions. */
export interface StoredDelivery {
  status: DeliveryStatus;
  attempts: number;
  retryCount: number;
  nextAttemptAt: number | null;
  lane: string | null;
  /** Position in its lane; only its order against others means anything. */
  laneSeq: number | null;
  hasRecord: boolean;
  category: string | null;
  lastError: string | null;
  origin: string | null;
  queued: boolean;
  delivered: boolean;
}

/** One store under test, with what the contract needs to look at it and to set its scene. */
export interface DeliveryStoreWorld {
  store: DeliveryStore;
  /** The store's clock (epoch ms): PostgreSQL's `now()`, or the twin's. */
  now: () => number;
  /** How far the store's clock and `now()` may disagree (the test process against PostgreSQL's). */
  clockSlackMs: number;
  inspect: (id: string) => Promise<StoredDelivery | undefined>;
  attemptCount: (id: string) => Promise<number>;
  /** Makes a claim's lease look `ms` older, as a release that crashed leaves it. */
  ageLease: (id: string, ms: number) => Promise<void>;
  /** A connection of `tenant` that is paused: its held deliveries are not releasable. */
  pausedConnection: (tenant: string) => Promise<string>;
  /** A connection's `delivery.abandoned` digest: how many, and the delivery ids of the first failures. */
  digest: (connectionId: string) => Promise<{ count: number; first: string[] } | undefined>;
}

/** One test's names: its own tenant, origin prefix (the sweeper's scope) and lanes. */
interface Scene {
  tenant: string;
  prefix: string;
  id(name: string): string;
  lane(name: string): string;
  /** An attempt of delivery `name` leaving it in `status`. */
  attempt(name: string, status: DeliveryStatus, queue?: Partial<NonNullable<AttemptRecord['queue']>>): AttemptRecord;
  /** Delivery `name` parked in lane `lane`. */
  parked(name: string, lane: string, overrides?: Partial<ParkedDelivery>): ParkedDelivery;
}

function scene(): Scene {
  const suffix = uniqueSuffix();
  const tenant = `contract-${suffix}`;
  const prefix = `contract-${suffix}.`;
  const id = (name: string) => `msg_${suffix}_${name}`;
  const lane = (name: string) => JSON.stringify([tenant, name, 'lead-1']);
  const identity = (name: string) => ({
    deliveryId: id(name),
    tenant,
    subject: 'lead-1',
    connectionId: null,
    eventId: `evt-${name}`,
    eventType: 'registration.created',
  });
  return {
    tenant,
    prefix,
    id,
    lane,
    attempt: (name, status, queue = {}) => ({
      ...identity(name),
      status,
      attemptedAt: new Date(),
      statusCode: status === 'succeeded' ? 200 : 503,
      latencyMs: 12.4,
      error: status === 'succeeded' ? null : 'HTTP 503',
      responseExcerpt: null,
      queue: {
        channel: 'webhook',
        lane: null,
        message: Buffer.from(`{"id":"${id(name)}"}`),
        category: status === 'succeeded' ? null : 'system',
        retryCount: 0,
        nextAttemptAt: null,
        origin: `${prefix}flowline.deliveries/0/${name.length}`,
        ...queue,
      },
    }),
    parked: (name, parkedLane, overrides = {}) => ({
      ...identity(name),
      channel: 'webhook',
      lane: parkedLane,
      message: Buffer.from(`{"id":"${id(name)}"}`),
      reason: 'held behind an earlier delivery',
      status: 'held',
      retryCount: 0,
      nextAttemptAt: null,
      origin: `${prefix}flowline.deliveries/0/7`,
      ...overrides,
    }),
  };
}

type Case = [name: string, run: (world: DeliveryStoreWorld, s: Scene) => Promise<void>];

const SECOND = 1_000;

/** A lane whose head waits for its retry, with `held` parked behind it. */
async function waitingLane(world: DeliveryStoreWorld, s: Scene, head: string, held: string[]): Promise<string> {
  const lane = s.lane(head);
  await world.store.record([s.attempt(head, 'retrying', { lane, retryCount: 1, nextAttemptAt: new Date() })]);
  const parked = await world.store.parkWhileHeld(held.map((name) => s.parked(name, lane)));
  expect([...parked]).toEqual(held.length > 0 ? [lane] : []);
  return lane;
}

/**
 * The delivery store's contract: one table of cases, run against `PostgresDeliveryStore`
 * (test/delivery-store.test.ts) and `MemoryDeliveryStore` (its spec), so the twin the fast tests
 * use behaves as the real store does.
 */
export const DELIVERY_STORE_CONTRACT: Case[] = [
  [
    'an attempt creates its delivery; a success keeps no record and leaves the queue alone',
    async ({ store, inspect, attemptCount }, s) => {
      await store.record([s.attempt('ok', 'succeeded'), s.attempt('bad', 'failed', { category: 'general' })]);
      expect(await inspect(s.id('ok'))).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        hasRecord: false,
        queued: false,
        delivered: true,
      });
      expect(await inspect(s.id('bad'))).toMatchObject({
        status: 'failed',
        attempts: 1,
        hasRecord: true,
        queued: true,
        category: 'general',
        delivered: false,
      });
      expect(await attemptCount(s.id('ok'))).toBe(1);
    },
  ],
  [
    "several attempts of one delivery in a chunk all count, and the last one's state wins",
    async ({ store, inspect, attemptCount }, s) => {
      await store.record([s.attempt('a', 'retrying', { category: null }), s.attempt('a', 'succeeded')]);
      expect(await inspect(s.id('a'))).toMatchObject({ status: 'succeeded', attempts: 2, hasRecord: false });
      expect(await attemptCount(s.id('a'))).toBe(2);
    },
  ],
  [
    'later attempts add up, keep the first origin and queue time, and keep the record unless they succeed',
    async ({ store, inspect }, s) => {
      const due = new Date(Date.now() + 10 * SECOND);
      await store.record([s.attempt('a', 'retrying', { retryCount: 1, nextAttemptAt: due })]);
      const first = await inspect(s.id('a'));
      await store.record([s.attempt('a', 'abandoned', { origin: 'elsewhere/0/1', message: null, retryCount: 1 })]);
      expect(await inspect(s.id('a'))).toMatchObject({
        status: 'abandoned',
        attempts: 2,
        retryCount: 1,
        nextAttemptAt: null,
        origin: first!.origin,
        hasRecord: true,
        queued: true,
      });
      expect(first).toMatchObject({ status: 'retrying', nextAttemptAt: due.getTime() });
    },
  ],
  [
    'view: what is known of the asked deliveries, and which asked lanes a waiting delivery holds',
    async (world, s) => {
      const { store } = world;
      const held = await waitingLane(world, s, 'head', []);
      const free = s.lane('free');
      await store.record([s.attempt('done', 'succeeded', { lane: free })]);
      const view = await store.view([s.id('head'), s.id('done'), s.id('never')], [held, free, s.lane('other')]);
      expect([...view.known.keys()].sort()).toEqual([s.id('done'), s.id('head')].sort());
      expect(view.known.get(s.id('head'))).toMatchObject({ status: 'retrying', retryCount: 1, lane: held });
      expect([...view.heldLanes]).toEqual([held]);
      expect([...(await store.view([s.id('done')], [])).heldLanes]).toEqual([]);
      // A held lane is named once, however many deliveries wait behind its head; an asked delivery
      // that holds its lane names it too, asked or not.
      await store.parkWhileHeld([s.parked('behind-1', held), s.parked('behind-2', held)]);
      expect([...(await store.view([], [held, held, free])).heldLanes]).toEqual([held]);
      expect([...(await store.view([s.id('head')], [])).heldLanes]).toEqual([held]);
    },
  ],
  [
    'parkWhileHeld parks only behind held lanes and answers them',
    async (world, s) => {
      const lane = await waitingLane(world, s, 'head', []);
      const held = await world.store.parkWhileHeld([
        s.parked('p1', lane),
        s.parked('p2', s.lane('nobody-waits')),
        s.parked('p3', lane),
      ]);
      expect([...held]).toEqual([lane]);
      expect(await world.inspect(s.id('p1'))).toMatchObject({ status: 'held', attempts: 0, queued: true, lane });
      expect(await world.inspect(s.id('p2'))).toBeUndefined();
      const [p1, p3] = [await world.inspect(s.id('p1')), await world.inspect(s.id('p3'))];
      expect(p1!.laneSeq!).toBeLessThan(p3!.laneSeq!);
    },
  ],
  [
    'a delivery parked twice in one call (an upstream repeat in one chunk) is stored once: the later state, the earlier place',
    async (world, s) => {
      const lane = await waitingLane(world, s, 'head', []);
      await world.store.record(
        [],
        [
          s.parked('twice', lane, { reason: 'first' }),
          s.parked('between', lane),
          s.parked('twice', lane, { reason: 'again' }),
        ],
      );
      const [twice, between] = [await world.inspect(s.id('twice')), await world.inspect(s.id('between'))];
      expect(twice).toMatchObject({ status: 'held', lastError: 'again', lane });
      expect(twice!.laneSeq!).toBeLessThan(between!.laneSeq!);
    },
  ],
  [
    'claimNext: nothing while the head waits for its retry, then the held ones in order, one at a time',
    async (world, s) => {
      const { store } = world;
      const lane = await waitingLane(world, s, 'head', ['p1', 'p2']);
      // Parked again (a redelivered record): it keeps its place.
      await store.parkWhileHeld([s.parked('p1', lane)]);
      expect(await store.claimNext(lane)).toBeUndefined();
      await store.record([s.attempt('head', 'succeeded', { lane })]);
      const first = await store.claimNext(lane);
      expect(first).toMatchObject({ id: s.id('p1'), retryCount: 0 });
      expect(first!.message.toString()).toContain(s.id('p1'));
      expect(await world.inspect(s.id('p1'))).toMatchObject({ status: 'sending' });
      expect(await store.claimNext(lane)).toBeUndefined();
      await store.record([s.attempt('p1', 'succeeded', { lane })]);
      expect(await store.claimNext(lane)).toMatchObject({ id: s.id('p2') });
      await store.record([s.attempt('p2', 'retrying', { lane, retryCount: 1, nextAttemptAt: new Date() })]);
      expect(await store.claimNext(lane)).toBeUndefined();
    },
  ],
  [
    'claimBatch: the next n of a lane in order under one lease; one set back held keeps its place and reason',
    async (world, s) => {
      const { store } = world;
      const lane = await waitingLane(world, s, 'head', ['p1', 'p2', 'p3']);
      expect(await store.claimBatch(lane, 5)).toEqual([]);
      await store.record([s.attempt('head', 'succeeded', { lane })]);
      const claimed = await store.claimBatch(lane, 2);
      expect(claimed.map((c) => c.id)).toEqual([s.id('p1'), s.id('p2')]);
      expect(claimed.map((c) => c.reason)).toEqual([
        'held behind an earlier delivery',
        'held behind an earlier delivery',
      ]);
      expect(await world.inspect(s.id('p2'))).toMatchObject({ status: 'sending' });
      expect(await world.inspect(s.id('p3'))).toMatchObject({ status: 'held' });
      // Leased: another release gets nothing of the lane, not even p3.
      expect(await store.claimBatch(lane, 5)).toEqual([]);
      // p1 went; p2 was not attempted (p1 had to wait, say): parked again, it keeps its place.
      await store.record(
        [s.attempt('p1', 'succeeded', { lane })],
        [s.parked('p2', lane, { reason: claimed[1]!.reason! })],
      );
      expect(await world.inspect(s.id('p2'))).toMatchObject({
        status: 'held',
        lastError: 'held behind an earlier delivery',
      });
      const again = await store.claimBatch(lane, 5);
      expect(again.map((c) => c.id)).toEqual([s.id('p2'), s.id('p3')]);
      await world.ageLease(s.id('p2'), 31 * SECOND);
      await world.ageLease(s.id('p3'), 31 * SECOND);
      await store.renewClaims([s.id('p2'), s.id('p3')]);
      expect(await store.claimBatch(lane, 5)).toEqual([]);
      await world.ageLease(s.id('p2'), 31 * SECOND);
      await world.ageLease(s.id('p3'), 31 * SECOND);
      expect((await store.claimBatch(lane, 5)).map((c) => c.id)).toEqual([s.id('p2'), s.id('p3')]);
    },
  ],
  [
    'a claim whose lease expired is taken again; a renewed one is not',
    async (world, s) => {
      const { store } = world;
      const lane = await waitingLane(world, s, 'head', ['p1']);
      await store.record([s.attempt('head', 'failed', { lane })]);
      expect(await store.claimNext(lane)).toMatchObject({ id: s.id('p1') });
      await world.ageLease(s.id('p1'), 31 * SECOND);
      expect(await store.claimNext(lane)).toMatchObject({ id: s.id('p1') });
      await world.ageLease(s.id('p1'), 31 * SECOND);
      await store.renewClaims([s.id('p1')]);
      expect(await store.claimNext(lane)).toBeUndefined();
    },
  ],
  [
    'failUnreadable fails a claimed delivery (category system) and nothing else',
    async (world, s) => {
      const { store } = world;
      const lane = await waitingLane(world, s, 'head', ['p1']);
      await store.failUnreadable(s.id('head'), 'not JSON');
      expect(await world.inspect(s.id('head'))).toMatchObject({ status: 'retrying' });
      await store.record([s.attempt('head', 'succeeded', { lane })]);
      await store.claimNext(lane);
      await store.failUnreadable(s.id('p1'), 'not JSON');
      expect(await world.inspect(s.id('p1'))).toMatchObject({
        status: 'failed',
        category: 'system',
        lastError: 'not JSON',
      });
      expect(await store.claimNext(lane)).toBeUndefined();
    },
  ],
  [
    "releasableLanes: held lanes whose head settled; not behind a retry, a live lease, a paused connection, another prefix's",
    async (world, s) => {
      const { store } = world;
      const settled = await waitingLane(world, s, 'settled', ['s1']);
      await store.record([s.attempt('settled', 'succeeded', { lane: settled })]);
      await waitingLane(world, s, 'retrying', ['r1']);
      const leased = await waitingLane(world, s, 'leased', ['l1', 'l2']);
      await store.record([s.attempt('leased', 'succeeded', { lane: leased })]);
      await store.claimNext(leased);
      const paused = await world.pausedConnection(s.tenant);
      await store.record([], [{ ...s.parked('c1', s.lane('paused')), connectionId: paused }]);
      await store.record([], [{ ...s.parked('o1', s.lane('other')), origin: 'someone-else.flowline.deliveries/0/1' }]);
      const all = { lanes: 1_000_000, found: 100 };
      expect(await store.releasableLanes(s.prefix, '', all)).toEqual({ releasable: [settled], next: null });
      await world.ageLease(s.id('l1'), 31 * SECOND);
      expect((await store.releasableLanes(s.prefix, '', all)).releasable.sort()).toEqual([leased, settled].sort());
      const firstFound = await store.releasableLanes(s.prefix, '', { lanes: 1_000_000, found: 1 });
      expect(firstFound.releasable).toHaveLength(1);
      expect(firstFound.next).toBe(firstFound.releasable[0]);
    },
  ],
  [
    'releasableLanes: a walk in steps finds every releasable lane once, each step going on after the last',
    async (world, s) => {
      const { store } = world;
      const settledLanes: string[] = [];
      for (const name of ['a', 'b', 'c', 'd', 'e']) {
        const lane = await waitingLane(world, s, name, [`${name}1`, `${name}2`]);
        await store.record([s.attempt(name, 'succeeded', { lane })]);
        settledLanes.push(lane);
      }
      await waitingLane(world, s, 'retrying', ['r1']);
      // Other tests' lanes may share the store, and are walked too: the steps here end at two lanes
      // found of this scene's prefix (only those are releasable for it), or at one lane walked.
      const found: string[] = [];
      let after = '';
      let steps = 0;
      for (;;) {
        const walk = await store.releasableLanes(s.prefix, after, { lanes: 1_000_000, found: 2 });
        steps += 1;
        expect(walk.releasable.length).toBeLessThanOrEqual(2);
        found.push(...walk.releasable);
        if (walk.next === null) break;
        expect(walk.next).not.toBe(after);
        after = walk.next;
      }
      expect(found.sort()).toEqual([...settledLanes].sort());
      expect(steps).toBeGreaterThanOrEqual(3);
      const one = await store.releasableLanes(s.prefix, '', { lanes: 1, found: 100 });
      expect(one.releasable.length).toBeLessThanOrEqual(1);
      expect(one.next).not.toBeNull();
      const next = await store.releasableLanes(s.prefix, one.next!, { lanes: 1, found: 100 });
      expect(next.next).not.toBeNull();
      expect(next.next).not.toBe(one.next);
    },
  ],
  [
    "takeOverdueRetries: its own prefix's retries overdue by more than the margin, moved to now",
    async (world, s) => {
      const { store } = world;
      const long = new Date(world.now() - 120 * SECOND);
      await store.record([
        s.attempt('lost', 'retrying', { retryCount: 2, nextAttemptAt: long }),
        s.attempt('late', 'retrying', { retryCount: 1, nextAttemptAt: new Date(world.now() - 10 * SECOND) }),
        s.attempt('other', 'retrying', { nextAttemptAt: long, origin: 'someone-else.flowline.deliveries/0/1' }),
        s.attempt('gone', 'abandoned', { nextAttemptAt: long }),
      ]);
      const taken = await store.takeOverdueRetries(s.prefix, 60, 100);
      expect(taken.map((t) => [t.id, t.retryCount])).toEqual([[s.id('lost'), 2]]);
      expect(Math.abs(taken[0]!.nextAttemptAt - world.now())).toBeLessThanOrEqual(world.clockSlackMs);
      expect((await world.inspect(s.id('lost')))!.nextAttemptAt).toBe(taken[0]!.nextAttemptAt);
      expect(await store.takeOverdueRetries(s.prefix, 60, 100)).toEqual([]);
    },
  ],
  [
    'markSubmitted: a waiting, failed or abandoned delivery with its record is due now on a fresh schedule; nothing else',
    async (world, s) => {
      const { store } = world;
      await store.record([
        s.attempt('gone', 'abandoned', { retryCount: 3 }),
        s.attempt('done', 'succeeded'),
        s.attempt('retrying', 'retrying', { retryCount: 2, nextAttemptAt: new Date(world.now() + 60 * SECOND) }),
      ]);
      await store.recordValidationFailures([
        {
          deliveryId: s.id('invalid'),
          tenant: s.tenant,
          subject: 'lead-1',
          channel: 'webhook',
          connectionId: null,
          flowId: null,
          sequenceId: null,
          eventId: 'evt-invalid',
          eventType: 'registration.created',
          error: 'email is required',
          failedAt: new Date(),
        },
      ]);
      const due = await store.markSubmitted(s.tenant, s.id('gone'));
      expect(Math.abs(due! - world.now())).toBeLessThanOrEqual(world.clockSlackMs);
      const row = await world.inspect(s.id('gone'));
      expect(row).toMatchObject({ status: 'retrying', retryCount: 0, nextAttemptAt: due });
      expect(row!.laneSeq).not.toBeNull();
      expect(await store.markSubmitted(s.tenant, s.id('retrying'))).toBeDefined();
      expect(await store.markSubmitted(s.tenant, s.id('done'))).toBeUndefined();
      expect(await store.markSubmitted(s.tenant, s.id('invalid'))).toBeUndefined();
      expect(await store.markSubmitted('another-tenant', s.id('retrying'))).toBeUndefined();
      const lane = await waitingLane(world, s, 'head', ['held']);
      expect(lane).toBeTruthy();
      expect(await store.markSubmitted(s.tenant, s.id('held'))).toBeUndefined();
    },
  ],
  [
    'record: deliveries to a connection it abandons join its digest, counted, the first ten named; nothing else does',
    async (world, s) => {
      const connectionId = await world.pausedConnection(s.tenant);
      const abandon = (name: string) =>
        ({ ...s.attempt(name, 'abandoned', { retryCount: 3 }), connectionId }) satisfies AttemptRecord;
      await world.store.record(Array.from({ length: 7 }, (_, index) => abandon(`a${index}`)));
      await world.store.record([
        ...Array.from({ length: 6 }, (_, index) => abandon(`b${index}`)),
        { ...s.attempt('retried', 'retrying'), connectionId },
        s.attempt('no-connection', 'abandoned'),
      ]);
      const digest = await world.digest(connectionId);
      expect(digest?.count).toBe(13);
      expect(digest?.first).toEqual([
        ...Array.from({ length: 7 }, (_, index) => s.id(`a${index}`)),
        ...Array.from({ length: 3 }, (_, index) => s.id(`b${index}`)),
      ]);
    },
  ],
  [
    'holdForRecovery: failed, abandoned and waiting deliveries are held in the order given, released in it; nothing else moves',
    async (world, s) => {
      const { store } = world;
      const lane = s.lane('recovered');
      const failed = (name: string) => s.attempt(name, 'failed', { lane, category: 'general' });
      await store.record([failed('r1'), failed('r2'), s.attempt('r3', 'abandoned', { lane, retryCount: 2 })]);
      await store.record([s.attempt('done', 'succeeded', { lane })]);
      const jobId = '6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b';
      const ids = ['r3', 'r1', 'done', 'r2'].map((name) => s.id(name));
      const moved = await store.holdForRecovery(s.tenant, ids, jobId, 'resubmitted by a recovery job');
      expect(moved).toEqual(['r3', 'r1', 'r2'].map((name) => s.id(name)));
      expect(await world.inspect(s.id('r3'))).toMatchObject({
        status: 'held',
        retryCount: 0,
        lane,
        lastError: 'resubmitted by a recovery job',
      });
      expect(await world.inspect(s.id('done'))).toMatchObject({ status: 'succeeded' });
      expect(await store.holdForRecovery('another-tenant', [s.id('r1')], jobId, 'x')).toEqual([]);
      expect(await store.holdForRecovery(s.tenant, [s.id('r1')], jobId, 'x')).toEqual([]);
      const released: string[] = [];
      for (let claimed = await store.claimNext(lane); claimed; claimed = await store.claimNext(lane)) {
        released.push(claimed.id);
        await store.record([s.attempt(claimed.id.slice(s.id('').length), 'succeeded', { lane })]);
      }
      expect(released).toEqual(['r3', 'r1', 'r2'].map((name) => s.id(name)));
    },
  ],
  [
    'recordValidationFailures: failed, category validation, never attempted; a known id is left alone',
    async (world, s) => {
      const { store } = world;
      await store.record([s.attempt('delivered', 'succeeded')]);
      const failure = (name: string) => ({
        deliveryId: s.id(name),
        tenant: s.tenant,
        subject: 'lead-1',
        channel: 'email' as const,
        connectionId: null,
        flowId: null,
        sequenceId: 'seq-1',
        eventId: `evt-${name}`,
        eventType: 'registration.created',
        error: 'email is required',
        failedAt: new Date('2025-03-01T10:00:00Z'),
      });
      await store.recordValidationFailures([failure('invalid'), failure('delivered')]);
      await store.recordValidationFailures([{ ...failure('invalid'), error: 'again' }]);
      expect(await world.inspect(s.id('invalid'))).toMatchObject({
        status: 'failed',
        attempts: 0,
        category: 'validation',
        lastError: 'email is required',
        hasRecord: false,
        queued: true,
      });
      expect(await world.inspect(s.id('delivered'))).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(await world.attemptCount(s.id('invalid'))).toBe(0);
    },
  ],
];

/** Runs the contract against one store; `open` gives each case a world of its own (or a shared one). */
export function describeDeliveryStoreContract(label: string, open: () => Promise<DeliveryStoreWorld>): void {
  describe(`${label} keeps the delivery store's contract`, () => {
    it.each(DELIVERY_STORE_CONTRACT)('%s', async (_name, run) => {
      await run(await open(), scene());
    });
  });
}
