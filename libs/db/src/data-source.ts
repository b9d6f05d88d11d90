import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { postgresDriverOptions, PostgresTlsOptions } from './postgres-ssl';

/**
 * The PostgreSQL data source; the schema comes from migrations only. The URL's libpq TLS
 * parameters (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`) become the driver's TLS options.
 */
export function createDataSource(url: string, options: { poolSize?: number } = {}): DataSource {
  const driver = postgresDriverOptions(url);
  return new DataSource({
    type: 'postgres',
    url: driver.url,
    ssl: driver.ssl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'flowline_migrations',
    synchronize: false,
    poolSize: options.poolSize ?? 10,
    applicationName: 'flowline',
    // No parallel plans (decision 0036): Flowline's statements are keyed lookups and batched
    // writes, and a parallel plan for one started two worker processes per chunk. A statement on
    // each new connection, awaited by the pool before its first use, rather than a startup
    // option: PgBouncer refuses unknown startup parameters, and the URL's own `options` stay.
    extra: { onConnect: (client: Client) => client.query('SET max_parallel_workers_per_gather = 0') },
  });
}

/** Arbitrary, fixed: the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK = 7_305_014_228;

/**
 * Applies pending migrations and returns their names. Several services may start at once, so
 * they queue on an advisory lock; the first applies, the others find nothing left to do. The
 * lock is held on a connection of its own, outside the pool, so even a pool of one can migrate.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const { url, ssl } = dataSource.options as { url: string; ssl: PostgresTlsOptions | false };
  const lock = new Client({ connectionString: url, ssl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await lock.end();
  }
}
