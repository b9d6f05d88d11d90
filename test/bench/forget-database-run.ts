import { createDataSource } from '@flowline/db';

/**
 * Deletes every row a benchmark run wrote for its tenants (`tenants LIKE pattern`): the tenants,
 * and the rows of every table with a `tenant_id` (the delivery log, processed events, insights
 * and the rest have no foreign key to cascade from). Left in place, each run's hundred thousand
 * rows made the next run's index inserts slower: after a day of runs the durable database held
 * 4.6 GB and PostgreSQL's CPU per event had grown by half.
 */
export async function forgetDatabaseRun(databaseUrl: string, pattern: string): Promise<void> {
  const dataSource = createDataSource(databaseUrl, { poolSize: 1 });
  await dataSource.initialize();
  try {
    const tables: Array<{ table_name: string }> = await dataSource.query(
      `SELECT c.table_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'`,
    );
    // A fresh database (the first run on a machine) has no schema yet: nothing to forget.
    if (tables.length === 0) return;
    for (const { table_name: table } of tables) {
      await dataSource.query(`DELETE FROM "${table}" WHERE tenant_id LIKE $1`, [pattern]);
    }
    await dataSource.query('DELETE FROM tenants WHERE id LIKE $1', [pattern]);
    // Vacuumed now, not by autovacuum during the next measurement: a part that deleted 200,000
    // deliveries left PostgreSQL cleaning up while the next ran, and that part measured the
    // clean-up (issue 13's (b) swung between 0.46 and 1.19 of the healthy runs).
    for (const { table_name: table } of [...tables, { table_name: 'tenants' }])
      await dataSource.query(`VACUUM (ANALYZE) "${table}"`);
  } finally {
    await dataSource.destroy();
  }
}
