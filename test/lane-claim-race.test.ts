import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { createDataSource, ParkedDelivery, PostgresDeliveryStore, runMigrations } from '@flowline/db';
import type { Admission, ConnectionAdmitter } from '@flowline/delivery';
import type { BatchContext } from '@flowline/kafka';
import { testEnvironment } from '@flowline/testing';
import { DispatcherHarness, TENANT } from '../services/dispatcher/test/dispatcher-harness';
import { eventually } from './support/eventually';

/**
 * A pause armed on a lane's claim: `reached` resolves after the first statement that follows the
 * claim's lane lock, and the claim goes on at `go()`.
 */
class ClaimPause {
  private armed = false;
  reached!: Promise<void>;
  private arrive!: () => void;
  private gate!: Promise<void>;
  go!: () => void;

  arm(): void {
    this.armed = true;
    this.reached = new Promise((resolve) => (this.arrive = resolve));
    this.gate = new Promise((resolve) => (this.go = resolve));
  }

  /** After `sql` answered as a transaction's statement, the transaction's lane lock taken before it. */
  async after(sql: string, lockedBefore: boolean): Promise<void> {
    if (!this.armed || !lockedBefore || sql.includes('pg_advisory_xact_lock')) return;
    this.armed = false;
    this.arrive();
    await this.gate;
  }
}

/** The data source, with every transaction's statements passed through `pause` (nothing else changes). */
function pausing(real: DataSource, pause: ClaimPause): DataSource {
  const bound = (target: object, value: unknown) =>
    typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
  return new Proxy(real, {
    get(target, property) {
      if (property !== 'transaction') return bound(target, Reflect.get(target, property));
      return (work: (manager: EntityManager) => Promise<unknown>) =>
        target.transaction((manager) => {
          let locked = false;
          return work(
            new Proxy(manager, {
              get(inner, name) {
                if (name !== 'query') return bound(inner, Reflect.get(inner, name));
                return async (sql: string, parameters?: unknown[]) => {
                  const result: unknown = await inner.query(sql, parameters);
                  await pause.after(sql, locked);
                  if (sql.includes('pg_advisory_xact_lock')) locked = true;
                  return result;
                };
              },
            }),
          );
        });
    },
  });
}

/** The connection's gate, scripted: each answer in turn (admitted when the script is out). */
class ScriptedGate implements ConnectionAdmitter {
  readonly answers: boolean[] = [];
  admit(): Promise<Admission> {
    const admitted = this.answers.shift() ?? true;
    return Promise.resolve(admitted ? { admitted: true, release: () => undefined } : { admitted: false, retryInMs: 0 });
  }
}

/**
 * A lane released while a chunk parks in it (decision 0043). The fault suite once saw one
 * subject's webhooks out of event order, each sent once: a release's claim checked that nothing
 * of the lane waited (its own statement), a chunk's persist then committed the lane's deferred
 * head (`retrying`) and a delivery held behind it (`held`), and the claim's next statement took
 * the held one, sent before its head. The in-memory store does each call at once, so only
 * PostgreSQL can interleave them: the claim is paused after the first statement that follows its
 * lane lock, and the persist runs meanwhile, as far as it can. Since the claim checks and claims
 * in one statement, the pause falls after it, and what these cases hold to is the persist waiting
 * for the lane's lock; that the check and the claim read one snapshot, no pause can show.
 */
describe('a lane claimed while a chunk parks a deferred head and a delivery behind it (PostgreSQL)', () => {
  const env = testEnvironment();
  const pause = new ClaimPause();
  const run = randomUUID().slice(0, 8);
  const ids: string[] = [];
  let dataSource: DataSource;
  let store: PostgresDeliveryStore;

  beforeAll(async () => {
    // The claim holds one connection while the persist takes another and the test looks at locks.
    dataSource = createDataSource(loadConfig(env).DATABASE_URL, { poolSize: 4 });
    await dataSource.initialize();
    await runMigrations(dataSource);
    store = new PostgresDeliveryStore(pausing(dataSource, pause));
  });

  afterAll(async () => {
    if (!dataSource?.isInitialized) return;
    await dataSource.query('DELETE FROM delivery_attempts WHERE delivery_id = ANY($1)', [ids]);
    await dataSource.query('DELETE FROM deliveries WHERE id = ANY($1)', [ids]);
    await dataSource.destroy();
  });

  function id(name: string): string {
    const full = `race-${run}-${name}`;
    ids.push(full);
    return full;
  }

  const laneOf = (name: string) => JSON.stringify([TENANT, 'race-connection', `lead-${run}-${name}`]);
  const parked = (name: string, status: 'retrying' | 'held', lane: string): ParkedDelivery => ({
    deliveryId: id(name),
    tenant: TENANT,
    subject: `lead-${run}`,
    connectionId: '0b7e6c1e-7f55-4a8e-9a3b-2f5d3c1a9e01',
    eventId: `evt-${name}`,
    eventType: 'registration.created',
    channel: 'webhook',
    lane,
    message: Buffer.from('{}'),
    reason: status === 'retrying' ? 'deferred' : 'held behind',
    status,
    retryCount: status === 'retrying' ? 1 : 0,
    nextAttemptAt: status === 'retrying' ? new Date(Date.now() + 60_000) : null,
    origin: 'race.flowline.deliveries/0/1',
  });

  /** Whether a backend of this database waits for a lock of this kind (a lane's, or a row's writer). */
  async function aBackendWaitsFor(lock: 'advisory' | 'transactionid'): Promise<boolean> {
    const waiting = await dataSource.query<unknown[]>(
      `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = $1 AND datname = current_database()`,
      [lock],
    );
    return waiting.length > 0;
  }

  /**
   * Lets `persist` run while the claim is paused, until it is done or waits for the lane's lock
   * (then the claim goes on, and the persist after it).
   */
  async function persistDuringClaim(persist: Promise<unknown>): Promise<void> {
    let done = false;
    void persist.then(() => (done = true));
    await eventually('the persist done, or waiting for the lane lock the claim holds', async () => {
      if (done || (await aBackendWaitsFor('advisory'))) return true;
      return undefined;
    });
    pause.go();
    await persist;
  }

  it('the store claims nothing behind a head that a persist parked while the claim ran', async () => {
    const lane = laneOf('a');
    // A release asks for the lane (a settled head, a stale retry record, the sweep): nothing waits yet.
    pause.arm();
    const claim = store.claimBatch(lane, 10);
    await pause.reached;
    // Meanwhile a chunk's persist: its first delivery of the lane deferred, the next held behind it.
    await persistDuringClaim(store.record([], [parked('d5', 'retrying', lane), parked('d6', 'held', lane)]));
    expect((await claim).map((claimed) => claimed.id)).toEqual([]);
    // And nothing after it either, while the head waits for its retry.
    expect(await store.claimBatch(lane, 10)).toEqual([]);
  });

  it("the store claims all of a lane's next deliveries or none, when one of them changes during the claim", async () => {
    // A release whose lease lapsed while it was still attempting s1 and s2; h3 waits behind them.
    const lane = laneOf('b');
    const rows = ['s1', 's2', 'h3'].map((name) => parked(name, 'held', lane));
    await store.record([], rows);
    const [s1Id, s2Id] = rows.map((row) => row.deliveryId);
    await dataSource.query(
      `UPDATE deliveries SET status = 'sending', updated_at = now() - interval '1 hour' WHERE id = ANY($1)`,
      [[s1Id, s2Id]],
    );
    // That release renews s2's lease in a transaction that commits while the sweep's claim runs.
    const renewal = dataSource.createQueryRunner();
    await renewal.connect();
    await renewal.startTransaction();
    await renewal.query(`UPDATE deliveries SET updated_at = now() WHERE id = $1`, [s2Id]);
    const claim = store.claimBatch(lane, 10);
    await eventually('the claim waiting for the row the renewal holds', async () =>
      (await aBackendWaitsFor('transactionid')) ? true : undefined,
    );
    await renewal.commitTransaction();
    await renewal.release();
    // s2 is being sent again: h3 must not go before it ends, nor s1 be claimed alone.
    expect((await claim).map((claimed) => claimed.id)).toEqual([]);
  });

  describe('through the dispatcher', () => {
    let h: DispatcherHarness;
    const gate = new ScriptedGate();
    const context: BatchContext = { signal: new AbortController().signal, rebalancing: new AbortController().signal };

    beforeEach(() => {
      // The harness's parts on the real store, the connection's gate scripted.
      h = new DispatcherHarness({}, { store, limiter: gate });
    });

    it("a subject's webhooks reach the receiver in event order, each once, while its lane is released", async () => {
      const subject = `lead-${run}-x`;
      const [d4, d5, d6] = ['x4', 'x5', 'x6'].map((name) => id(name));
      // Chunk 1: d4's connection is full, so d4 is deferred to the retry topic (its lane waits on it).
      gate.answers.push(false);
      await h.deliver([h.record(h.delivery(d4!, subject))]);
      expect((await store.view([d4!], [])).known.get(d4!)?.status).toBe('retrying');
      const [retryOfD4] = h.take('retry');

      // d4's retry is due and succeeds, so its lane is released in the background; the claim pauses
      // (handed over without `h.deliver`, which would wait for that release).
      h.clock.advance(1_000);
      pause.arm();
      await h.parts.deliver.execute([h.consumed(retryOfD4!)], context);
      await pause.reached;

      // Meanwhile the partition's next chunk has d5 and d6: the lane is not held any more, d5's
      // connection is full again (deferred), d6 is held behind it in the chunk.
      gate.answers.push(false);
      await persistDuringClaim(
        h.parts.deliver.execute([h.record(h.delivery(d5!, subject)), h.record(h.delivery(d6!, subject))], context),
      );
      await h.parts.releaser.idle();

      // d5's retry comes, and releases d6 behind it.
      h.clock.advance(1_000);
      for (const retry of h.take('retry')) await h.deliver([h.consumed(retry)]);

      const sent = h.receiver.sent.map((delivery) => delivery.id);
      expect(sent).toEqual([d4, d5, d6]);
    });
  });
});
