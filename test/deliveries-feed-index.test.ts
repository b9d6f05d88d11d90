import type { DataSource } from 'typeorm';
import { testEnvironment, uniqueSuffix } from '@flowline/testing';
import { openDatabase } from './support/database';

/**
 * The activity feed filtered by status (`GET /deliveries?status=failed`, the query of
 * DeliveriesController.list) reads its page through `deliveries (tenant_id, status, created_at)`,
 * not through every row of the tenant. Seeded and analysed inside a transaction that is rolled
 * back, so the plan is the one a large table gets and nothing stays behind.
 */
describe('the activity feed filtered by status', () => {
  const env = testEnvironment({});
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await openDatabase(env);
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('uses the (tenant_id, status, created_at) index', async () => {
    const run = uniqueSuffix();
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      // 40,000 deliveries over 10 tenants, one in 500 failed.
      await runner.query(
        `INSERT INTO deliveries (id, tenant_id, subject, connection_id, event_id, event_type, status, created_at)
         SELECT $1 || g, $1 || (g % 10), 'lead-' || g, gen_random_uuid(), 'evt-' || g, 'registration.created',
                CASE WHEN g % 500 = 0 THEN 'failed' ELSE 'succeeded' END, now() - g * interval '1 second'
           FROM generate_series(1, 40000) g`,
        [`feed-${run}-`],
      );
      await runner.query('ANALYZE deliveries');
      const plan = (await runner.query(
        `EXPLAIN SELECT id, subject, connection_id, flow_id, sequence_id, event_id, event_type, status, attempts,
                        last_status_code, last_error, created_at, updated_at, delivered_at
           FROM deliveries WHERE tenant_id = $1 AND status = $2 ORDER BY created_at DESC, id LIMIT 100`,
        [`feed-${run}-0`, 'failed'],
      )) as Array<{ 'QUERY PLAN': string }>;
      expect(plan.map((line) => line['QUERY PLAN']).join('\n')).toContain('deliveries_tenant_status_created');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
