import type { DeliveryStatus } from '@flowline/db';
import type { BatchContext } from '@flowline/kafka';
import { bySubject } from './intake';
import { Job, laneOf } from './job';

/** Subjects delivered at once within one chunk; one subject's deliveries always go one by one. */
export const SUBJECTS_IN_FLIGHT = 64;

export interface InOrderSteps {
  /** Attempts (or otherwise settles) one job; answers its new status. */
  attempt(job: Job): Promise<DeliveryStatus>;
  /** Holds a job behind an earlier job of its lane that now waits. */
  holdBehind(job: Job): void;
  /** Stores what was done before the error of a chunk cut short is thrown. */
  cutShort(): Promise<void>;
}

/**
 * Attempts jobs concurrently across subjects and in order within one. Once a lane waits (a
 * retry, a deferral, a paused connection), its later deliveries in the chunk are held too.
 */
export async function deliverInOrder(jobs: readonly Job[], context: BatchContext, steps: InOrderSteps): Promise<void> {
  const queues = bySubject(jobs);
  const waitingLanes = new Set<string>();
  const worker = async (): Promise<void> => {
    for (let queue = queues.shift(); queue; queue = queues.shift()) {
      for (const job of queue) {
        // A rebalance began: the group waits for this chunk, and the partition may go to another
        // member, which would send what is left. What was settled is stored (`cutShort`) and
        // skipped when the records are read again.
        if (context.rebalancing.aborted) throw new Error('rebalancing');
        const lane = laneOf(job);
        if (lane && waitingLanes.has(lane)) {
          steps.holdBehind(job);
          continue;
        }
        const status = await steps.attempt(job);
        if (lane && (status === 'retrying' || status === 'held')) waitingLanes.add(lane);
      }
    }
  };
  const workers = await Promise.allSettled(Array.from({ length: Math.min(SUBJECTS_IN_FLIGHT, queues.length) }, worker));
  const failed = workers.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await steps.cutShort();
    throw failed.reason;
  }
}
