import type { DeadLetterOrigin, DeliveryV1, EmailContent } from '@flowline/contracts';
import type { ConnectionSettings, RetryPolicy } from '@flowline/delivery';

/** Where a delivery goes and under which policy. */
export type Target =
  | {
      kind: 'webhook';
      connection: ConnectionSettings;
      policy: RetryPolicy;
      lane: string | null;
      /** Whose rate and in-flight limits apply: the connection, or a sequence's own URL. */
      limiterKey: string;
    }
  | { kind: 'email'; email: EmailContent; policy: RetryPolicy; lane: string | null }
  | { kind: 'unusable'; reason: string };

/** One delivery to settle, from a consumed record, a retry record or a lane's release. */
export interface Job {
  delivery: DeliveryV1;
  bytes: Buffer;
  key: string;
  origin: DeadLetterOrigin;
  /** Retries already made: the next failure schedules retry `retriesSoFar + 1`. */
  retriesSoFar: number;
  target: Target;
  /** It came from the queue (a retry, a release, a resubmit): settling it may free its lane. */
  fromQueue: boolean;
  /**
   * Latest time (epoch ms) its connection's limits may keep it waiting: its chunk's (or release
   * batch's) start plus `MAX_CHUNK_ADMISSION_WAIT_MS`. Later, it is deferred to a retry topic.
   */
  waitUntil: number;
}

/** The job's lane (a subject's deliveries to one destination), or null when its order is not kept. */
export function laneOf(job: Job): string | null {
  return job.target.kind === 'unusable' ? null : job.target.lane;
}
