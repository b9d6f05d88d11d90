import type { DataSource } from 'typeorm';
import { createDataSource, ConnectionGateRepository } from '@flowline/db';
import { loadConfig } from '@flowline/config';
import { testEnvironment, uniqueSuffix } from '@flowline/testing';
import { openDatabase } from './support/database';
import { eventually } from './support/eventually';

/**
 * The connection gate's SQL (decision 0022, `flowline_admit`) against PostgreSQL: the token
 * bucket and the in-flight leases that hold a connection's limits for every dispatcher together,
 * also when many callers on separate connections ask at once.
 */
/** One connection's question. */
async function take(
  gates: ConnectionGateRepository,
  key: string,
  want: number,
  limits: { rate: number; burst: number; maxInFlight: number; leaseMs: number },
  release: string[] = [],
) {
  const [answer] = await gates.takeMany([{ key, want, limits }], release);
  return answer!;
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

  it('grants up to the burst at once, then says when the next token comes', async () => {
    const gate = key();
    const limits = { rate: 50, burst: 3, maxInFlight: 100, leaseMs: 60_000 };
    const first = await take(gates, gate, 10, limits);
    expect(first.leaseIds).toHaveLength(3);
    expect(new Set(first.leaseIds).size).toBe(3);
    const next = await take(gates, gate, 1, limits);
    expect(next.leaseIds).toEqual([]);
    expect(next.full).toBe(false);
    // A token every 20 ms at 50/s: the next is at most that far.
    expect(next.retryInMs).toBeGreaterThan(0);
    expect(next.retryInMs).toBeLessThanOrEqual(20);
    const later = await eventually('a token again', async () => {
      const answer = await take(gates, gate, 1, limits);
      return answer.leaseIds.length > 0 ? answer : undefined;
    });
    expect(later.leaseIds).toHaveLength(1);
  });

  it('keeps max_in_flight until a lease is released, then grants the freed slot', async () => {
    const gate = key();
    const limits = { rate: 1_000, burst: 50, maxInFlight: 2, leaseMs: 60_000 };
    const held = await take(gates, gate, 5, limits);
    expect(held.leaseIds).toHaveLength(2);
    const full = await take(gates, gate, 1, limits);
    expect(full).toMatchObject({ leaseIds: [], retryInMs: 0, full: true });
    await gates.release([held.leaseIds[0]!]);
    expect((await take(gates, gate, 5, limits)).leaseIds).toHaveLength(1);
    expect((await take(gates, gate, 1, limits)).full).toBe(true);
  });

  it('ends the leases a question carries before it counts the slots in flight', async () => {
    const gate = key();
    const other = key();
    const limits = { rate: 1_000, burst: 50, maxInFlight: 2, leaseMs: 60_000 };
    const held = await take(gates, gate, 2, limits);
    const elsewhere = await take(gates, other, 1, limits);
    // One finished request of each connection goes back with the question for the first.
    const next = await take(gates, gate, 2, limits, [held.leaseIds[0]!, elsewhere.leaseIds[0]!]);
    expect(next.leaseIds).toHaveLength(1);
    expect((await take(gates, gate, 1, limits)).full).toBe(true);
    expect((await take(gates, other, 2, limits)).leaseIds).toHaveLength(2);
  });

  it('tells a caller it refuses how long ago any caller was last granted a lease', async () => {
    const gate = key();
    const limits = { rate: 1_000, burst: 50, maxInFlight: 1, leaseMs: 60_000 };
    const before = await take(gates, gate, 1, { ...limits, maxInFlight: 0 });
    // Never granted: no time to tell.
    expect(before).toEqual({ leaseIds: [], retryInMs: 0, full: true });
    const grantedAt = Date.now();
    expect((await take(gates, gate, 1, limits)).leaseIds).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await take(gates, gate, 1, limits);
    expect(refused.full).toBe(true);
    expect(refused.msSinceGrant).toBeGreaterThanOrEqual(150);
    expect(refused.msSinceGrant).toBeLessThanOrEqual(Date.now() - grantedAt + 50);
  });

  it('answers many connections in one statement, each by its own limits', async () => {
    const [wide, narrow, fresh] = [key(), key(), key()];
    await take(gates, narrow, 1, { rate: 1_000, burst: 50, maxInFlight: 1, leaseMs: 60_000 });
    const answers = await gates.takeMany([
      { key: wide, want: 5, limits: { rate: 1_000, burst: 50, maxInFlight: 4, leaseMs: 60_000 } },
      { key: narrow, want: 5, limits: { rate: 1_000, burst: 50, maxInFlight: 1, leaseMs: 60_000 } },
      { key: fresh, want: 5, limits: { rate: 50, burst: 2, maxInFlight: 10, leaseMs: 60_000 } },
    ]);
    expect(answers.map((answer) => answer.leaseIds.length)).toEqual([4, 0, 2]);
    expect(answers[1]).toMatchObject({ full: true });
  });

  it('serves dispatchers asking for overlapping connections at once without a deadlock', async () => {
    const pool = createDataSource(loadConfig(env).DATABASE_URL, { poolSize: 6 });
    await pool.initialize();
    try {
      const shared = new ConnectionGateRepository(pool);
      const keys = Array.from({ length: 20 }, () => key());
      const limits = { rate: 10_000, burst: 200, maxInFlight: 3, leaseMs: 60_000 };
      // Six callers, each asking for all twenty in its own order: the gates' locks are taken sorted.
      const granted = await Promise.all(
        Array.from({ length: 6 }, async (_, caller) => {
          const order = keys.map((_, index) => keys[(index * (caller + 1) * 7) % keys.length]!);
          const unique = [...new Set(order)];
          const answers = await shared.takeMany(unique.map((gate) => ({ key: gate, want: 2, limits })));
          return new Map(unique.map((gate, index) => [gate, answers[index]!.leaseIds.length]));
        }),
      );
      for (const gate of keys) {
        const total = granted.reduce((sum, answers) => sum + (answers.get(gate) ?? 0), 0);
        expect(total).toBeLessThanOrEqual(limits.maxInFlight);
      }
    } finally {
      await pool.destroy();
    }
  });

  it('still answers the single-connection question of the previous release', async () => {
    const gate = key();
    const rows: Array<{ lease_ids: string[]; retry_in_ms: number }> = await dataSource.query(
      'SELECT lease_ids, retry_in_ms FROM flowline_admit($1, 2, 1000, 50, 5, 60000)',
      [gate],
    );
    expect(rows).toEqual([{ lease_ids: [expect.any(String), expect.any(String)], retry_in_ms: 0 }]);
  });

  it("frees a killed dispatcher's leases once they expire", async () => {
    const gate = key();
    const limits = { rate: 1_000, burst: 50, maxInFlight: 1, leaseMs: 300 };
    const takenAt = Date.now();
    expect((await take(gates, gate, 1, limits)).leaseIds).toHaveLength(1);
    // Never released: the lease lapses after its 300 ms and the slot is free again.
    await eventually('the lapsed lease freed', async () =>
      (await take(gates, gate, 1, limits)).leaseIds.length === 1 ? true : undefined,
    );
    expect(Date.now() - takenAt).toBeGreaterThanOrEqual(300);
  });

  it('holds rate and max_in_flight for many callers on separate connections at once', async () => {
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
        while (Date.now() - began < 2_000) {
          const answer = await take(shared, gate, 1, limits);
          if (answer.leaseIds.length === 0) continue;
          granted += 1;
          holding += 1;
          mostHolding = Math.max(mostHolding, holding);
          // Held for a while, as a request in flight is.
          await pool.query('SELECT pg_sleep(0.01)');
          holding -= 1;
          await shared.release([answer.leaseIds[0]!]);
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
});
