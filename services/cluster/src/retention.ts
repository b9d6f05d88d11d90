import { loadConfig } from '@flowline/config';
import { createDataSource, runRetentionPass } from '@flowline/db';
import { createLogger } from '@flowline/observability';

/**
 * `main.js retention`: one retention pass, then exit (decision 0021). For operators who turn the
 * api's housekeeping off (`FLOWLINE_RETENTION_INTERVAL_S=0`) and schedule this instead, or who
 * want a pass now. Exits at once, without error, when a pass is already running elsewhere.
 */
export async function retention(env?: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env);
  const logger = createLogger(config.LOG_LEVEL);
  const dataSource = createDataSource(config.DATABASE_URL, { poolSize: 2 });
  await dataSource.initialize();
  try {
    const removed = await runRetentionPass(dataSource, config, { now: new Date() });
    if (removed) logger.info({ removed }, 'retention pass done');
    else logger.info('a retention pass is already running elsewhere; nothing done');
  } finally {
    await dataSource.destroy();
  }
}
