import type { DataSource } from 'typeorm';
import { SequenceStateRepository } from '@flowline/db';
import { testEnvironment, uniqueSuffix } from '@flowline/testing';
import { openDatabase } from './support/database';

/** The detector's housekeeping queries against real PostgreSQL. */
describe('sequence housekeeping', () => {
  let first: DataSource;
  let second: DataSource;

  beforeAll(async () => {
    // Two pools, as two detector replicas would have.
    first = await openDatabase(testEnvironment());
    second = await openDatabase(testEnvironment());
  });

  afterAll(async () => {
    await first?.destroy();
    await second?.destroy();
  });

  it('runs the relay in one replica at a time: a second is refused while the first holds it', async () => {
    const name = `relay-${uniqueSuffix()}`;
    const replicaA = new SequenceStateRepository(first);
    const replicaB = new SequenceStateRepository(second);
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));

    const runA = replicaA.exclusively(name, async () => {
      entered();
      await holding;
    });
    await inside;
    let ranB = false;
    expect(await replicaB.exclusively(name, () => Promise.resolve(void (ranB = true)))).toBe(false);
    expect(ranB).toBe(false);
    release();
    expect(await runA).toBe(true);
    expect(await replicaB.exclusively(name, () => Promise.resolve(void (ranB = true)))).toBe(true);
    expect(ranB).toBe(true);
  });

  it('pages expiry through every idle open state, past ones it keeps, and not fired latches', async () => {
    const tenant = `housekeeping-${uniqueSuffix()}`;
    await first.query(`INSERT INTO tenants (id, name) VALUES ($1, $1)`, [tenant]);
    const [sequence] = await first.query<Array<{ id: string }>>(
      `INSERT INTO sequences (tenant_id, name, event_types, window_seconds) VALUES ($1, 's', '{a,b}', 60) RETURNING id`,
      [tenant],
    );
    // Five open states, updated one second apart, and a fired latch among them.
    for (let index = 0; index < 6; index += 1) {
      await first.query(
        `INSERT INTO sequence_state (sequence_id, lead, tenant_id, state, updated_at)
         VALUES ($1, $2, $3, $4, now() - make_interval(secs => $5))`,
        [sequence!.id, `lead-${index}`, tenant, index === 2 ? { firedAt: 1 } : { steps: [] }, 600 - index],
      );
    }
    const repository = new SequenceStateRepository(first);
    const before = new Date(Date.now() - 60_000);
    const pages: string[][] = [];
    let cursor;
    for (let page = 0; page < 4; page += 1) {
      const idle = await repository.idleSince(before, cursor, 2);
      const mine = idle.filter((state) => state.tenant === tenant);
      if (mine.length > 0) pages.push(mine.map((state) => state.lead));
      if (idle.length < 2) break;
      cursor = idle[idle.length - 1]!.cursor;
    }
    expect(pages.flat()).toEqual(['lead-0', 'lead-1', 'lead-3', 'lead-4', 'lead-5']);
  });
});
