import { Client } from 'pg';
import { loadConfig } from '@flowline/config';
import { createDataSource } from '@flowline/db';

/** The settings every pooled Flowline connection to PostgreSQL starts with (decision 0036). */
describe('database sessions', () => {
  const url = loadConfig().DATABASE_URL;

  it('never plan in parallel: a keyed chunk statement must not start worker processes', async () => {
    const dataSource = createDataSource(url, { poolSize: 2 });
    await dataSource.initialize();
    try {
      // Both connections of the pool (two transactions at once), not only the first.
      const settings = await Promise.all(
        [1, 2].map(() =>
          dataSource.transaction((manager) =>
            manager.query<Array<{ setting: string; source: string }>>(
              "SELECT setting, source FROM pg_settings WHERE name = 'max_parallel_workers_per_gather'",
            ),
          ),
        ),
      );
      expect(settings.map(([row]) => row)).toEqual([
        { setting: '0', source: 'session' },
        { setting: '0', source: 'session' },
      ]);
    } finally {
      await dataSource.destroy();
    }
  });

  it("leaves the server's own setting to other clients (Grafana's analysts, an operator's psql)", async () => {
    const plain = new Client({ connectionString: url });
    await plain.connect();
    try {
      const { rows } = await plain.query<{ source: string }>(
        "SELECT source FROM pg_settings WHERE name = 'max_parallel_workers_per_gather'",
      );
      // Not the role's, the database's or a client option's: the server's own.
      expect(['default', 'configuration file']).toContain(rows[0]!.source);
    } finally {
      await plain.end();
    }
  });
});
