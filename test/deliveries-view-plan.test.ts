import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { createDataSource, PostgresDeliveryStore } from '@flowline/db';
import { testEnvironment } from '@flowline/testing';
import { openDatabase } from './support/database';

/**
 * The dispatcher's view of a chunk's deliveries (`PostgresDeliveryStore.view`) reads them through
 * the primary key whatever the statistics say (decision 0039). The costs below make a sequential
 * scan look free and an index probe dear, as the statistics of an emptied table did; the scans
 * are counted for this transaction alone (`pg_stat_xact_user_tables`), so other tests do not
 * disturb the count.
 */
describe("the dispatcher's view of a chunk's deliveries", () => {
  const env = testEnvironment();
  let migrated: DataSource;
  /** One connection: the transaction opened on it holds every statement of the store. */
  let single: DataSource;

  beforeAll(async () => {
    migrated = await openDatabase(env);
    single = createDataSource(loadConfig(env).DATABASE_URL, { poolSize: 1 });
    await single.initialize();
  });

  afterAll(async () => {
    await single?.destroy();
    await migrated?.destroy();
  });

  async function scans(): Promise<{ seq: number; index: number }> {
    const [row] = await single.query<Array<{ seq_scan: string; idx_scan: string | null }>>(
      "SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables WHERE relname = 'deliveries'",
    );
    return { seq: Number(row!.seq_scan), index: Number(row!.idx_scan ?? 0) };
  }

  it('reads them through the primary key where the plain lookup would scan the table', async () => {
    const ids = Array.from({ length: 500 }, (_, index) => `view-plan-${index}`);
    await single.query('BEGIN');
    try {
      await single.query('SET LOCAL seq_page_cost = 0');
      await single.query('SET LOCAL cpu_tuple_cost = 0');
      await single.query('SET LOCAL cpu_operator_cost = 0');
      await single.query('SET LOCAL random_page_cost = 1000');
      // The lookup as the view wrote it before: planned as a sequential scan with these costs.
      await single.query('SELECT id FROM deliveries WHERE id = ANY($1::text[])', [ids]);
      const plain = await scans();
      expect(plain.seq).toBeGreaterThan(0);
      const view = await new PostgresDeliveryStore(single).view(ids, []);
      expect(view.known.size).toBe(0);
      const after = await scans();
      expect(after.seq).toBe(plain.seq);
      expect(after.index).toBeGreaterThan(plain.index);
    } finally {
      await single.query('ROLLBACK');
    }
  });
});
