import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, ConnectionGateRepository, IDLE_GATE_HORIZON_S, RetentionRepository } from '@flowline/db';
import { loadConfig } from '@flowline/config';
import { burstOf, GateLimits, LimitPolicy, SharedConnectionLimiter, SharedGate } from '@flowline/delivery';
import { testEnvironment, uniqueSuffix } from '@flowline/testing';
import { openDatabase } from './support/database';
import { eventually } from './support/eventually';

/**
 * The connection gate's SQL (decisions 0022 and 0031, `flowline_admit_holder`) against
 * PostgreSQL: the token bucket and the per-process counts of requests in flight that hold a
 * connection's limits for every dispatcher together, also when many callers on separate
 * connections ask at once.
 */
/** One connection's question from `holder`, which has `holding` of its requests in flight. */
async function take(
  gates: ConnectionGateRepository,
  holder: string,
  key: string,
  holding: number,
  want: number,
  limits: GateLimits,
  tokens = want,
) {
  const [answer] = await gates.admit(holder, [{ key, holding, want, tokens, limits }]);
  return answer!;
}

/** A tell that waited for a lock would hang: it must answer well within this. */
function withinLockWait<T>(tell: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the tell waited for the gate another holder locked')), 5_000);
  });
  return Promise.race([tell, waited]).finally(() => clearTimeout(timer));
}

describe('the connection gate in PostgreSQL', () => {
  const env = testEnvironment();
  let dataSource: DataSource;
  let gates: ConnectionGateRepository;
  const key = () => `gate-${uniqueSuffix()}`;

  beforeAll(async () => {
    dataSource = await openDatabase(env);
    gates = new ConnectionGateRepository(dataSource);
  });

  afterAll(() => dataSource?.destroy());

  const holderRows = (gate: string): Promise<Array<{ in_flight: number }>> =>
    dataSource.query('SELECT in_flight FROM connection_gate_holders WHERE limiter_key = $1', [gate]);

  it('grants up to the burst at once, then says when the next token comes', async () => {
    const [gate, holder] = [key(), randomUUID()];
    // One token a second: slow enough that none comes back between two statements even on a
    // busy machine (at 50/s, one did in a CI run, 20 ms being a round trip there).
    const limits = { rate: 1, burst: 3, maxInFlight: 100, leaseMs: 60_000 };
    expect((await take(gates, holder, gate, 0, 10, limits)).granted).toBe(3);
    const next = await take(gates, holder, gate, 3, 1, limits);
    expect(next).toMatchObject({ granted: 0, full: false });
    // The next token is at most a second away.
    expect(next.retryInMs).toBeGreaterThan(0);
    expect(next.retryInMs).toBeLessThanOrEqual(1_000);
    const later = await eventually('a token again', async () => {
      const answer = await take(gates, holder, gate, 3, 1, limits);
      return answer.granted > 0 ? answer : undefined;
    });
    expect(later.granted).toBe(1);
  });

  it('keeps max_in_flight across holders until one tells it holds fewer, then grants the freed slot', async () => {
    const [gate, first, second] = [key(), randomUUID(), randomUUID()];
    const limits = { rate: 1_000, burst: 50, maxInFlight: 2, leaseMs: 60_000 };
    expect((await take(gates, first, gate, 0, 5, limits)).granted).toBe(2);
    expect(await take(gates, second, gate, 0, 1, limits)).toMatchObject({ granted: 0, retryInMs: 0, full: true });
    // One of the first holder's requests finished: it only tells.
    expect(await take(gates, first, gate, 1, 0, limits)).toMatchObject({ granted: 0, full: false });
    expect((await take(gates, second, gate, 0, 5, limits)).granted).toBe(1);
    expect((await take(gates, second, gate, 1, 1, limits)).full).toBe(true);
    expect((await take(gates, first, gate, 1, 1, limits)).full).toBe(true);
  });

  it('takes what a question says the holder holds, so finished requests need no statement of their own', async () => {
    const [gate, holder] = [key(), randomUUID()];
    const limits = { rate: 1_000, burst: 50, maxInFlight: 2, leaseMs: 60_000 };
    expect((await take(gates, holder, gate, 0, 2, limits)).granted).toBe(2);
    // Both finished; the next question says so and gets both slots again.
    expect((await take(gates, holder, gate, 0, 3, limits)).granted).toBe(2);
    const rows: Array<{ in_flight: number }> = await dataSource.query(
      'SELECT in_flight FROM connection_gate_holders WHERE limiter_key = $1',
      [gate],
    );
    expect(rows).toEqual([{ in_flight: 2 }]);
    // Holding none and wanting none: its row goes.
    await take(gates, holder, gate, 0, 0, limits);
    expect(await dataSource.query('SELECT 1 FROM connection_gate_holders WHERE limiter_key = $1', [gate])).toEqual([]);
  });

  it('takes a tell (no slot, no token wanted) without waiting for the gate another holder has locked', async () => {
    const [gate, holder] = [key(), randomUUID()];
    const limits = { rate: 1_000, burst: 50, maxInFlight: 5, leaseMs: 60_000 };
    expect((await take(gates, holder, gate, 0, 3, limits)).granted).toBe(3);
    // Another dispatcher's statement holds the gate's lock and has not committed.
    const other = new Client({ connectionString: loadConfig(env).DATABASE_URL });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT 1 FROM connection_gates WHERE limiter_key = $1 FOR UPDATE', [gate]);
      // Two of the three requests finished; then all three.
      await withinLockWait(take(gates, holder, gate, 1, 0, limits));
      expect(await holderRows(gate)).toEqual([{ in_flight: 1 }]);
      await withinLockWait(take(gates, holder, gate, 0, 0, limits));
      expect(await holderRows(gate)).toEqual([]);
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
    expect((await take(gates, holder, gate, 0, 9, limits)).granted).toBe(5);
  });

  it("leaves a holder's lapsed row to the others when it only tells, and counts it again when it asks", async () => {
    const [gate, holder, other] = [key(), randomUUID(), randomUUID()];
    const limits = { rate: 1_000, burst: 50, maxInFlight: 2, leaseMs: 200 };
    expect((await take(gates, holder, gate, 0, 2, limits)).granted).toBe(2);
    await eventually('the row lapsed', async () =>
      (
        await dataSource.query('SELECT 1 FROM connection_gate_holders WHERE limiter_key = $1 AND expires_at < now()', [
          gate,
        ])
      ).length > 0
        ? true
        : undefined,
    );
    // Told late: its lapsed row is not renewed (its requests are long past their timeout).
    await take(gates, holder, gate, 1, 0, limits);
    expect((await take(gates, other, gate, 0, 2, { ...limits, leaseMs: 60_000 })).granted).toBe(2);
    expect((await take(gates, holder, gate, 0, 1, { ...limits, leaseMs: 60_000 })).full).toBe(true);
  });

  it('tells a holder it refuses how long ago any holder was last granted a slot', async () => {
    const [gate, holder, other] = [key(), randomUUID(), randomUUID()];
    const limits = { rate: 1_000, burst: 50, maxInFlight: 1, leaseMs: 60_000 };
    const before = await take(gates, holder, gate, 0, 1, { ...limits, maxInFlight: 0 });
    // Never granted: no time to tell.
    expect(before).toEqual({ granted: 0, tokens: 0, retryInMs: 0, full: true });
    const grantedAt = Date.now();
    expect((await take(gates, other, gate, 0, 1, limits)).granted).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await take(gates, holder, gate, 0, 1, limits);
    expect(refused.full).toBe(true);
    expect(refused.msSinceGrant).toBeGreaterThanOrEqual(150);
    expect(refused.msSinceGrant).toBeLessThanOrEqual(Date.now() - grantedAt + 50);
  });

  it('answers many connections in one statement, each by its own limits', async () => {
    const [wide, narrow, fresh, holder] = [key(), key(), key(), randomUUID()];
    await take(gates, randomUUID(), narrow, 0, 1, { rate: 1_000, burst: 50, maxInFlight: 1, leaseMs: 60_000 });
    const answers = await gates.admit(holder, [
      {
        key: wide,
        holding: 0,
        want: 5,
        tokens: 5,
        limits: { rate: 1_000, burst: 50, maxInFlight: 4, leaseMs: 60_000 },
      },
      {
        key: narrow,
        holding: 0,
        want: 5,
        tokens: 5,
        limits: { rate: 1_000, burst: 50, maxInFlight: 1, leaseMs: 60_000 },
      },
      { key: fresh, holding: 0, want: 5, tokens: 5, limits: { rate: 50, burst: 2, maxInFlight: 10, leaseMs: 60_000 } },
    ]);
    expect(answers.map((answer) => answer.granted)).toEqual([4, 0, 2]);
    expect(answers[1]).toMatchObject({ full: true });
  });

  it('serves dispatchers asking for overlapping connections at once without a deadlock', async () => {
    const pool = createDataSource(loadConfig(env).DATABASE_URL, { poolSize: 6 });
    await pool.initialize();
    try {
      const shared = new ConnectionGateRepository(pool);
      const keys = Array.from({ length: 20 }, () => key());
      const limits = { rate: 10_000, burst: 200, maxInFlight: 3, leaseMs: 60_000 };
      // Six holders, each asking for all twenty in its own order: the gates' locks are taken sorted.
      const granted = await Promise.all(
        Array.from({ length: 6 }, async (_, caller) => {
          const order = keys.map((_, index) => keys[(index * (caller + 1) * 7) % keys.length]!);
          const unique = [...new Set(order)];
          const holder = randomUUID();
          const answers = await shared.admit(
            holder,
            unique.map((gate) => ({ key: gate, holding: 0, want: 2, tokens: 2, limits })),
          );
          return { holder, unique, granted: new Map(unique.map((gate, index) => [gate, answers[index]!.granted])) };
        }),
      );
      const totalOf = (gate: string, maps: Array<Map<string, number>>) =>
        maps.reduce((sum, answers) => sum + (answers.get(gate) ?? 0), 0);
      for (const gate of keys)
        expect(
          totalOf(
            gate,
            granted.map((one) => one.granted),
          ),
        ).toBeLessThanOrEqual(limits.maxInFlight);
      // Then each tells that the requests on every other connection finished and asks again for
      // the rest, all at once: tells and questions in one statement, in every order.
      const again = await Promise.all(
        granted.map(async ({ holder, unique, granted: held }) => {
          const questions = unique.map((gate, index) =>
            index % 2 === 0
              ? { key: gate, holding: 0, want: 0, tokens: 0, limits }
              : { key: gate, holding: held.get(gate)!, want: 1, tokens: 1, limits },
          );
          const answers = await shared.admit(holder, questions);
          return new Map(
            unique.map((gate, index) => [gate, index % 2 === 0 ? 0 : held.get(gate)! + answers[index]!.granted]),
          );
        }),
      );
      for (const gate of keys) expect(totalOf(gate, again)).toBeLessThanOrEqual(limits.maxInFlight);
    } finally {
      await pool.destroy();
    }
  });

  it('keeps one limit with dispatchers of the previous release, which take a lease per request', async () => {
    const [gate, holder] = [key(), randomUUID()];
    const limits = { rate: 1_000, burst: 50, maxInFlight: 3, leaseMs: 60_000 };
    expect((await take(gates, holder, gate, 0, 2, limits)).granted).toBe(2);
    // The previous release's question counts the holder's two: one lease left of three.
    const rows: Array<{ lease_ids: string[]; retry_in_ms: number }> = await dataSource.query(
      'SELECT lease_ids, retry_in_ms FROM flowline_admit($1, 2, 1000, 50, 3, 60000)',
      [gate],
    );
    expect(rows).toEqual([{ lease_ids: [expect.any(String)], retry_in_ms: 0 }]);
    // And the holder's question counts that lease.
    expect((await take(gates, holder, gate, 2, 1, limits)).full).toBe(true);
  });

  it('takes tokens beyond the slots it grants while the bucket has them, for a holder that keeps slots', async () => {
    const [gate, keeper, newcomer] = [key(), randomUUID(), randomUUID()];
    const limits = { rate: 1, burst: 50, maxInFlight: 100, leaseMs: 60_000 };
    expect(await take(gates, keeper, gate, 0, 2, limits, 10)).toMatchObject({ granted: 2, tokens: 10, full: false });
    // A holder that keeps no slot and wants none takes no token: it could not use one.
    expect(await take(gates, newcomer, gate, 0, 0, limits, 5)).toMatchObject({ granted: 0, tokens: 0 });
    // The keeper's slots need no new slot for its next requests, only tokens.
    expect(await take(gates, keeper, gate, 2, 0, limits, 15)).toMatchObject({ granted: 0, tokens: 15 });
    // 25 of 50 taken: the bucket grants the newcomer what is left (at 1 token/s, nothing more soon).
    expect(await take(gates, newcomer, gate, 0, 40, limits)).toMatchObject({ granted: 25, tokens: 25 });
    const empty = await take(gates, keeper, gate, 2, 0, limits, 1);
    expect(empty).toMatchObject({ granted: 0, tokens: 0 });
    expect(empty.retryInMs).toBeGreaterThan(0);
    // With every slot taken, a question for a slot alone takes no token: it could not use it now.
    const full = key();
    const narrow = { rate: 1_000, burst: 50, maxInFlight: 2, leaseMs: 60_000 };
    expect(await take(gates, keeper, full, 0, 2, narrow)).toMatchObject({ granted: 2, tokens: 2, full: true });
    expect(await take(gates, keeper, full, 2, 1, narrow)).toMatchObject({ granted: 0, tokens: 0, full: true });
  });

  it('says when the next token comes to a question granted fewer slots than it wanted for want of tokens', async () => {
    const [gate, holder] = [key(), randomUUID()];
    const limits = { rate: 10, burst: 3, maxInFlight: 100, leaseMs: 60_000 };
    const answer = await take(gates, holder, gate, 0, 5, limits);
    expect(answer).toMatchObject({ granted: 3, tokens: 3, full: false });
    // The bucket is empty: the next token in about 100 ms at 10/s.
    expect(answer.retryInMs).toBeGreaterThan(50);
    expect(answer.retryInMs).toBeLessThanOrEqual(100);
  });

  it('keeps one limit with dispatchers of the previous release, which ask flowline_admit_holder', async () => {
    const [gate, current, previous] = [key(), randomUUID(), randomUUID()];
    const limits = { rate: 1_000, burst: 50, maxInFlight: 3, leaseMs: 60_000 };
    expect((await take(gates, current, gate, 0, 2, limits, 20)).granted).toBe(2);
    const rows: Array<{ granted: number }> = await dataSource.query(
      `SELECT granted FROM flowline_admit_holder($1::uuid, $2::text[], '{0}', '{2}', '{1000}', '{50}', '{3}', '{60000}')`,
      [previous, [gate]],
    );
    expect(rows).toEqual([{ granted: 1 }]);
    expect(await take(gates, current, gate, 2, 1, limits)).toMatchObject({ granted: 0, full: true });
  });

  it("frees a killed dispatcher's slots once its row lapses", async () => {
    const [gate, killed, alive] = [key(), randomUUID(), randomUUID()];
    const limits = { rate: 1_000, burst: 50, maxInFlight: 1, leaseMs: 300 };
    const takenAt = Date.now();
    expect((await take(gates, killed, gate, 0, 1, limits)).granted).toBe(1);
    // Never told again: the row lapses after its 300 ms and the slot is free for the others.
    await eventually('the lapsed row freed', async () =>
      (await take(gates, alive, gate, 0, 1, limits)).granted === 1 ? true : undefined,
    );
    expect(Date.now() - takenAt).toBeGreaterThanOrEqual(300);
  });

  it('holds rate and max_in_flight for many holders on separate connections at once', async () => {
    const pool = createDataSource(loadConfig(env).DATABASE_URL, { poolSize: 8 });
    await pool.initialize();
    try {
      const shared = new ConnectionGateRepository(pool);
      const gate = key();
      const limits = { rate: 50, burst: 3, maxInFlight: 3, leaseMs: 60_000 };
      let holding = 0;
      let mostHolding = 0;
      let granted = 0;
      const began = Date.now();
      const caller = async (): Promise<void> => {
        const holder = randomUUID();
        while (Date.now() - began < 2_000) {
          const answer = await take(shared, holder, gate, 0, 1, limits);
          if (answer.granted === 0) continue;
          granted += 1;
          holding += 1;
          mostHolding = Math.max(mostHolding, holding);
          // Held for a while, as a request in flight is.
          await pool.query('SELECT pg_sleep(0.01)');
          holding -= 1;
          await take(shared, holder, gate, 0, 0, limits);
        }
      };
      await Promise.all(Array.from({ length: 8 }, caller));
      const elapsedS = (Date.now() - began) / 1000;
      expect(mostHolding).toBeLessThanOrEqual(limits.maxInFlight);
      expect(granted).toBeLessThanOrEqual(limits.burst + limits.rate * elapsedS);
      // Not starved either: the callers got most of what the rate allows.
      expect(granted).toBeGreaterThanOrEqual(0.5 * limits.rate * elapsedS);
    } finally {
      await pool.destroy();
    }
  });

  /**
   * `processes` limiters (dispatcher processes) on the real gate, each with eight requests at a
   * time waiting for one connection for 1.5 s, each request in flight 5 ms.
   */
  async function driveLimiters(processes: number, policy: LimitPolicy) {
    const pool = createDataSource(loadConfig(env).DATABASE_URL, { poolSize: 4 });
    await pool.initialize();
    try {
      const repository = new ConnectionGateRepository(pool);
      let statements = 0;
      const counted: SharedGate = {
        admit: (holder, questions) => {
          statements += 1;
          return repository.admit(holder, questions);
        },
      };
      const gate = key();
      let inFlight = 0;
      let mostInFlight = 0;
      const admittedAt: number[] = [];
      const began = Date.now();
      const byProcess: number[] = [];
      const dispatcher = async (_: unknown, index: number): Promise<void> => {
        byProcess[index] = 0;
        const limiter = new SharedConnectionLimiter(counted);
        const request = async (): Promise<void> => {
          while (Date.now() - began < 1_500) {
            const admission = await limiter.admit(gate, policy, { stallMs: 5_000, until: Date.now() + 5_000 });
            if (!admission.admitted) continue;
            admittedAt.push(Date.now());
            byProcess[index]! += 1;
            inFlight += 1;
            mostInFlight = Math.max(mostInFlight, inFlight);
            await new Promise((resolve) => setTimeout(resolve, 5));
            inFlight -= 1;
            admission.release();
          }
        };
        await Promise.all(Array.from({ length: 8 }, request));
      };
      await Promise.all(Array.from({ length: processes }, dispatcher));
      const mostInASecond = Math.max(
        ...admittedAt.map((at) => admittedAt.filter((other) => other >= at && other < at + 1_000).length),
      );
      return { statements, admitted: admittedAt.length, byProcess, mostInFlight, mostInASecond };
    } finally {
      await pool.destroy();
    }
  }

  it('holds rate and max_in_flight for dispatchers that keep slots and take tokens ahead', async () => {
    const policy = { rateLimitPerS: 400, maxInFlight: 6, timeoutMs: 1_000 };
    const driven = await driveLimiters(4, policy);
    expect(driven.mostInFlight).toBeLessThanOrEqual(policy.maxInFlight);
    // Any one second of requests: at most the rate plus twice the burst (decision 0038), and what
    // the gate's round trips bunch on top (here up to 50 ms of requests, for a loaded machine).
    expect(driven.mostInASecond).toBeLessThanOrEqual(1.05 * policy.rateLimitPerS + 2 * burstOf(policy.rateLimitPerS));
    // Not starved: most of what the rate allows went, and no process kept the slots from the others.
    expect(driven.admitted).toBeGreaterThanOrEqual(0.5 * policy.rateLimitPerS * 1.5);
    for (const admitted of driven.byProcess) expect(admitted).toBeGreaterThanOrEqual(0.1 * driven.admitted);
  });

  it("passes a finished request's slot to the next of its dispatcher without a statement while the rate allows", async () => {
    const policy = { rateLimitPerS: 100_000, maxInFlight: 6, timeoutMs: 1_000 };
    const driven = await driveLimiters(2, policy);
    expect(driven.mostInFlight).toBeLessThanOrEqual(policy.maxInFlight);
    expect(driven.admitted).toBeGreaterThan(300);
    expect(driven.statements).toBeLessThan(driven.admitted / 4);
  });

  it('goes with retention once idle past the horizon, unless a dispatcher holds one of its requests', async () => {
    const [idle, held, leased, recent, holder] = [key(), key(), key(), key(), randomUUID()];
    const limits = { rate: 1, burst: 3, maxInFlight: 100, leaseMs: 60_000 };
    for (const gate of [idle, held, recent]) expect((await take(gates, holder, gate, 0, 1, limits)).granted).toBe(1);
    // The idle gate also has a lapsed holder (a killed dispatcher's) and an expired lease (an older
    // dispatcher's), which go with it; the leased gate has a live lease of an older dispatcher.
    await dataSource.query(
      `INSERT INTO connection_gate_holders (limiter_key, holder, in_flight, expires_at) VALUES ($1, $2, 1, now() - interval '1 hour')`,
      [idle, randomUUID()],
    );
    await dataSource.query(
      `INSERT INTO connection_gate_leases (limiter_key, expires_at) VALUES ($1, now() - interval '1 hour'), ($2, now() + interval '1 minute')`,
      [idle, leased],
    );
    await dataSource.query(`INSERT INTO connection_gates (limiter_key, tokens, refilled_at) VALUES ($1, 3, now())`, [
      leased,
    ]);
    // The idle and recent gates' requests ended (told by the holder); the held gate's is in flight.
    await take(gates, holder, idle, 0, 0, limits);
    await take(gates, holder, recent, 0, 0, limits);
    const lastGrantAgo = (gate: string, seconds: number) =>
      dataSource.query(
        `UPDATE connection_gates SET refilled_at = now() - make_interval(secs => $2), granted_at = now() - make_interval(secs => $2)
          WHERE limiter_key = $1`,
        [gate, seconds],
      );
    await lastGrantAgo(idle, IDLE_GATE_HORIZON_S + 60);
    await lastGrantAgo(held, IDLE_GATE_HORIZON_S + 60);
    await lastGrantAgo(leased, IDLE_GATE_HORIZON_S + 60);
    await lastGrantAgo(recent, IDLE_GATE_HORIZON_S - 60);

    const now = new Date();
    const retention = new RetentionRepository(dataSource, 0);
    const cutoff = new Date(now.getTime() - IDLE_GATE_HORIZON_S * 1000);
    while ((await retention.removeBatch('idle_gates', cutoff, 100, now)) > 0);

    const left = await dataSource.query<Array<{ limiter_key: string }>>(
      'SELECT limiter_key FROM connection_gates WHERE limiter_key = ANY($1) ORDER BY limiter_key',
      [[idle, held, leased, recent]],
    );
    expect(left.map((row) => row.limiter_key)).toEqual([held, leased, recent].sort());
    expect(await dataSource.query('SELECT 1 FROM connection_gate_holders WHERE limiter_key = $1', [idle])).toEqual([]);
    expect(await dataSource.query('SELECT 1 FROM connection_gate_leases WHERE limiter_key = $1', [idle])).toEqual([]);
    // The held gate keeps its holder's count: its one request still counts against max_in_flight.
    expect(
      await dataSource.query('SELECT in_flight FROM connection_gate_holders WHERE limiter_key = $1', [held]),
    ).toEqual([{ in_flight: 1 }]);
    // The removed gate is created afresh, with a full bucket, on its next request.
    expect((await take(gates, holder, idle, 0, 10, limits)).granted).toBe(3);
  });

  it('answers "nothing granted" for a gate retention removes while the question waits for it, then creates it again', async () => {
    const [gate, holder] = [key(), randomUUID()];
    const limits = { rate: 1, burst: 3, maxInFlight: 100, leaseMs: 60_000 };
    expect((await take(gates, holder, gate, 0, 1, limits)).granted).toBe(1);
    await take(gates, holder, gate, 0, 0, limits);
    // Retention's transaction (on a connection of its own) removes the gate and has not committed.
    const retention = new Client({ connectionString: loadConfig(env).DATABASE_URL });
    await retention.connect();
    try {
      await retention.query('BEGIN');
      await retention.query('DELETE FROM connection_gates WHERE limiter_key = $1', [gate]);
      const asked = take(gates, holder, gate, 0, 2, limits);
      await eventually('the question waits for the gate', async () => {
        const [row] = await dataSource.query<Array<{ waiting: number }>>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE '%flowline_admit_ahead%'`,
        );
        return row!.waiting > 0 ? true : undefined;
      });
      await retention.query('COMMIT');
      expect(await asked).toMatchObject({ granted: 0, full: false });
    } finally {
      await retention.end();
    }
    // The next question creates the gate with a full bucket.
    expect((await take(gates, holder, gate, 0, 5, limits)).granted).toBe(3);
  });
});
