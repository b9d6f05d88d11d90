import type { DeadLetterOrigin, DeliveryV1, EmailContent } from '@flowline/contracts';
import type { ConnectionSettings, RetryPolicy } from '@flowline/delivery';
import { MAX_CHUNK_ADMISSION_WAIT_MS, MAX_SOLE_DESTINATION_WAIT_MS } from './attempt-webhook';

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
   * batch's) start plus `MAX_CHUNK_ADMISSION_WAIT_MS` (see `withChunkCap`).
   * Later, it is deferred to a retry topic.
   */
  waitUntil: number;
}

/** The job's lane (a subject's deliveries to one destination), or null when its order is not kept. */
export function laneOf(job: Job): string | null {
  return job.target.kind === 'unusable' ? null : job.target.lane;
}

/**
 * The chunk's jobs with its hard cap (decisions 0028 and 0030). The cap keeps one saturated
 * connection from holding up the chunk's deliveries to other destinations, which wait for the
 * chunk's workers and its end: `MAX_CHUNK_ADMISSION_WAIT_MS`. A chunk whose deliveries all go to
 * one destination holds up nobody's in it: deferring its tail would only move that connection's
 * deliveries to the dearer retry-and-release path (the cliff of docs/BENCHMARKS.md), so it waits
 * longer, `MAX_SOLE_DESTINATION_WAIT_MS`, which still bounds how long the partition's later
 * records wait behind a receiver that is slow but answering.
 */
export function withChunkCap(jobs: Job[], startedAt: number): Job[] {
  const destinations = new Set(jobs.map(destinationOf));
  destinations.delete(null);
  const waitUntil = startedAt + (destinations.size > 1 ? MAX_CHUNK_ADMISSION_WAIT_MS : MAX_SOLE_DESTINATION_WAIT_MS);
  return jobs.map((job) => ({ ...job, waitUntil }));
}

/** Whose limits the job waits for: its connection (or URL), every email alike, or nobody's. */
function destinationOf(job: Job): string | null {
  if (job.target.kind === 'webhook') return job.target.limiterKey;
  return job.target.kind === 'email' ? 'email' : null;
}
