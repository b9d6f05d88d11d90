import { loadConfig } from '@flowline/config';
import { createDataSource } from '@flowline/db';

/** The settings every Flowline connection to PostgreSQL starts with (decision 0036). */
describe('database sessions', () => {
  it('never plan in parallel: a keyed chunk statement must not start worker processes', async () => {
    const dataSource = createDataSource(loadConfig().DATABASE_URL, { poolSize: 2 });
    await dataSource.initialize();
    try {
      // Both connections of the pool, not only the first.
      const settings = await Promise.all(
        [1, 2].map(() =>
          dataSource.transaction((manager) =>
            manager.query<Array<{ max_parallel_workers_per_gather: string }>>('SHOW max_parallel_workers_per_gather'),
          ),
        ),
      );
      expect(settings.map(([row]) => row!.max_parallel_workers_per_gather)).toEqual(['0', '0']);
      const [server] = await dataSource.query<Array<{ boot_val: string }>>(
        "SELECT boot_val FROM pg_settings WHERE name = 'max_parallel_workers_per_gather'",
      );
      // The server's own default is left as it is, for other clients (Grafana's analysts).
      expect(server!.boot_val).toBe('2');
    } finally {
      await dataSource.destroy();
    }
  });
});
