import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { createDataSource, runMigrations } from '@flowline/db';

/**
 * A migrated connection to the test database, for seeding configuration before a cluster
 * starts: services load configuration at start, so what is seeded first is in force for the
 * first event (a change made later reaches the running services by PostgreSQL NOTIFY, as in production).
 */
export async function openDatabase(env: Record<string, string>): Promise<DataSource> {
  const dataSource = createDataSource(loadConfig(env).DATABASE_URL, { poolSize: 2 });
  await dataSource.initialize();
  await runMigrations(dataSource);
  return dataSource;
}
