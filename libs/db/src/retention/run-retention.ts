import type { DataSource } from 'typeorm';
import { enforceRetention, RetentionCounts } from './enforce-retention';
import { retentionCutoffs, retentionHorizons, RetentionSettings } from './retention-policy';
import { RetentionRepository } from './retention.repository';

export interface RetentionRunSettings extends RetentionSettings {
  FLOWLINE_RETENTION_BATCH_SIZE: number;
  FLOWLINE_SEQUENCE_LATENESS_S: number;
}

/** The session advisory lock that keeps one retention pass at a time across replicas and commands. */
const RETENTION_LOCK = 'flowline.retention';

/**
 * One retention pass, unless another one runs now (another api replica, or the `retention`
 * command): then answers undefined at once. The lock is held on a connection of its own for the
 * pass; the batches run on the pool, each a short transaction of its own.
 */
export async function runRetentionPass(
  dataSource: DataSource,
  settings: RetentionRunSettings,
  options: { now: Date; pauseMs?: number; stopped?: () => boolean },
): Promise<RetentionCounts | undefined> {
  const lockHolder = dataSource.createQueryRunner();
  await lockHolder.connect();
  try {
    const [lock] = (await lockHolder.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held', [
      RETENTION_LOCK,
    ])) as Array<{ held: boolean }>;
    if (!lock?.held) return undefined;
    try {
      return await enforceRetention(
        new RetentionRepository(dataSource, settings.FLOWLINE_SEQUENCE_LATENESS_S),
        retentionCutoffs(retentionHorizons(settings), options.now),
        { batchSize: settings.FLOWLINE_RETENTION_BATCH_SIZE, ...options },
      );
    } finally {
      await lockHolder.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [RETENTION_LOCK]);
    }
  } finally {
    await lockHolder.release();
  }
}

/** Retention passes over the process's data source, for the services that run them (the api). */
export class RetentionRunner {
  constructor(private readonly dataSource: DataSource) {}

  /** See `runRetentionPass`. */
  runPass(
    settings: RetentionRunSettings,
    options: { now: Date; pauseMs?: number; stopped?: () => boolean },
  ): Promise<RetentionCounts | undefined> {
    return runRetentionPass(this.dataSource, settings, options);
  }
}
