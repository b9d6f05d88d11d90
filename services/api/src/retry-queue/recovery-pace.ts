/** How often a recovery job hands items to the queue, and looks at what became of them. */
export const RECOVERY_TICK_MS = 1_000;

/**
 * How many items a recovery job hands to the queue at its next tick (decision 0025): at most a
 * second's worth of its connections' `rate_limit_per_s`, and no more than keeps two seconds' worth
 * waiting in the queue. The dispatcher keeps the limits itself; this keeps a job of 100,000 items
 * from parking them all at once, so they go in the order given and the queue shows what waits.
 */
export function recoveryBatchSize(ratePerS: number, outstanding: number, remaining: number): number {
  const perTick = Math.max(1, Math.ceil((ratePerS * RECOVERY_TICK_MS) / 1000));
  return Math.max(0, Math.min(perTick, 2 * perTick - outstanding, remaining));
}

/** Percent of the matched items settled: delivered, failed again, or left alone (already moved on). */
export function recoveryProgress(job: {
  matched: number;
  position: number;
  submitted: number;
  delivered: number;
  failedAgain: number;
}): number {
  if (job.matched === 0) return 100;
  const skipped = Math.max(0, job.position - job.submitted);
  return Math.min(100, Math.floor((100 * (job.delivered + job.failedAgain + skipped)) / job.matched));
}
