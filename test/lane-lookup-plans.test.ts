import type { DataSource, QueryRunner } from 'typeorm';
import { LANE_HOLDING_STATUSES, movesFrom, SENDING_LEASE_S, sqlStatus, sqlStatuses } from '@flowline/db';
import { testEnvironment } from '@flowline/testing';
import { openDatabase } from './support/database';

/**
 * The lane lookups of the delivery store (`PostgresDeliveryStore`: `claimBatch`'s two, and the
 * held-lane probe of `view` and `parkWhileHeld`), with the store's own status lists and lease.
 */
const LANE_LOOKUPS = {
  'a lane held by a retry or a live lease': `SELECT 1 FROM deliveries WHERE lane = 'l'
      AND status IN (${sqlStatuses(LANE_HOLDING_STATUSES)}) AND (status = ${sqlStatus('retrying')}
      OR (status = ${sqlStatus('sending')} AND updated_at > now() - interval '${SENDING_LEASE_S} seconds')) LIMIT 1`,
  "claiming a lane's next deliveries": `SELECT id FROM deliveries WHERE lane = 'l'
      AND status IN (${sqlStatuses(movesFrom('claim'))}) ORDER BY lane_seq LIMIT 50`,
  'which asked lanes something holds': `SELECT DISTINCT l.lane FROM unnest(ARRAY['l']) AS l(lane)
      WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.lane = l.lane AND d.status IN (${sqlStatuses(LANE_HOLDING_STATUSES)}))`,
};

/**
 * Which indexes PostgreSQL may read a lane's deliveries through (migration 1767100000000): only the
 * lane index, whatever the statistics say. Each plan is asked for with the lane index gone and
 * sequential and bitmap scans off (inside a transaction rolled back), so the planner takes any
 * other index that can answer; none may be the insights' index of a tenant's waiting deliveries,
 * which the statistics of a system where nothing waits made look free.
 */
describe('lane lookups', () => {
  const env = testEnvironment();
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await openDatabase(env);
  });

  afterAll(() => dataSource?.destroy());

  async function plansWithoutTheLaneIndex(
    queries: string[],
    before: (runner: QueryRunner) => Promise<void> = async () => {},
  ): Promise<string[]> {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query('SET LOCAL lock_timeout = 5000');
      await runner.query('DROP INDEX deliveries_lane_queued');
      await runner.query('SET LOCAL enable_seqscan = off');
      await runner.query('SET LOCAL enable_bitmapscan = off');
      await before(runner);
      const plans: string[] = [];
      for (const query of queries) {
        const rows: Array<{ 'QUERY PLAN': string }> = await runner.query(`EXPLAIN ${query}`);
        plans.push(rows.map((row) => row['QUERY PLAN']).join('\n'));
      }
      return plans;
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  it.each(Object.entries(LANE_LOOKUPS))('%s never reads the tenant index of waiting deliveries', async (_, query) => {
    const [plan] = await plansWithoutTheLaneIndex([query]);
    expect(plan).not.toContain('deliveries_waiting_by_tenant');
  });

  it('the insights still count a tenant’s waiting deliveries through it', async () => {
    // Its predicate must match the insights' query. The other indexes led by the tenant can answer
    // it as well, and which one the statistics favour varies from run to run: they go too.
    const [plan] = await plansWithoutTheLaneIndex(
      [`SELECT count(*) FROM deliveries WHERE tenant_id = 't' AND status IN ('retrying', 'held', 'sending')`],
      async (runner) => {
        for (const index of [
          'deliveries_tenant_status_created',
          'deliveries_tenant_created',
          'deliveries_tenant_subject',
        ])
          await runner.query(`DROP INDEX ${index}`);
      },
    );
    expect(plan).toContain('deliveries_waiting_by_tenant');
  });

  it('would catch the index as it was: its predicate let every lane lookup scan it whole', async () => {
    // The status-led index can answer the claim's lookup too, and the statistics favour it in some
    // runs: it goes, so the plan shows whether the old predicate would be read.
    const plans = await plansWithoutTheLaneIndex(Object.values(LANE_LOOKUPS), async (runner) => {
      await runner.query('DROP INDEX deliveries_tenant_status_created');
      await runner.query(
        `CREATE INDEX waiting_as_it_was ON deliveries (tenant_id) WHERE status IN ('retrying', 'held', 'sending')`,
      );
    });
    for (const plan of plans) expect(plan).toContain('waiting_as_it_was');
  });
});
