import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** The PostgreSQL data source; the schema comes from migrations only. */
export function createDataSource(url: string, options: { poolSize?: number } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'flowline_migrations',
    synchronize: false,
    poolSize: options.poolSize ?? 10,
    applicationName: 'flowline',
  });
}

/** Arbitrary, fixed: the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK = 7_305_014_228;

/**
 * Applies pending migrations and returns their names. Several services may start at once, so
 * they queue on an advisory lock; the first applies, the others find nothing left to do.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
