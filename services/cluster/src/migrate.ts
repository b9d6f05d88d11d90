import { loadConfig } from '@flowline/config';
import { createDataSource, runMigrations } from '@flowline/db';
import { createLogger } from '@flowline/observability';

/** Applies pending migrations and returns (the Helm migration job and local scripts run this). */
export async function migrate(env?: NodeJS.ProcessEnv): Promise<string[]> {
  const config = loadConfig(env);
  const logger = createLogger(config.LOG_LEVEL);
  const dataSource = createDataSource(config.DATABASE_URL, { poolSize: 1 });
  await dataSource.initialize();
  try {
    const applied = await runMigrations(dataSource);
    logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
    return applied;
  } finally {
    await dataSource.destroy();
  }
}
