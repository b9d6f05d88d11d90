import { RETENTION_CLASSES, RetentionClass } from './retention-policy';

/** Removes one batch of a class: at most `limit` rows older than `cutoff`; answers how many. */
export interface RetentionBatches {
  removeBatch(name: RetentionClass, cutoff: Date, limit: number, now: Date): Promise<number>;
}

export interface RetentionOptions {
  batchSize: number;
  now: Date;
  /** Pause between batches, leaving the database to other work (the API) in between. */
  pauseMs?: number;
  /** Checked between batches: a stopping process ends the pass where it is (the next resumes). */
  stopped?: () => boolean;
  sleep?: (ms: number) => Promise<void>;
}

export type RetentionCounts = Record<RetentionClass, number>;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One pass of retention: every class with a cutoff, batch after batch, each batch its own short
 * statement, until a batch finds nothing left. Answers what was removed per class.
 */
export async function enforceRetention(
  batches: RetentionBatches,
  cutoffs: Partial<Record<RetentionClass, Date>>,
  options: RetentionOptions,
): Promise<RetentionCounts> {
  const sleep = options.sleep ?? defaultSleep;
  const counts = Object.fromEntries(RETENTION_CLASSES.map((name) => [name, 0])) as RetentionCounts;
  for (const name of RETENTION_CLASSES) {
    const cutoff = cutoffs[name];
    if (cutoff === undefined) continue;
    for (;;) {
      if (options.stopped?.()) return counts;
      const removed = await batches.removeBatch(name, cutoff, options.batchSize, options.now);
      counts[name] += removed;
      if (removed === 0) break;
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  }
  return counts;
}
