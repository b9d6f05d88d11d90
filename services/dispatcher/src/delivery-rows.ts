import { formatOrigin } from '@flowline/contracts';
import type { AttemptRecord, DeliveryStatus, ParkedDelivery } from '@flowline/db';
import type { Settlement } from '@flowline/delivery';
import { Job, laneOf } from './job';

/** What an attempt leaves in the delivery log besides its outcome. */
export type AttemptEvidence = Pick<AttemptRecord, 'statusCode' | 'latencyMs' | 'error' | 'responseExcerpt'>;

/** The delivery's columns every row of it carries. */
function identity(job: Job) {
  const { delivery } = job;
  return {
    deliveryId: delivery.id,
    tenant: delivery.tenant,
    subject: delivery.subject,
    connectionId: delivery.connectionId ?? null,
    ...(delivery.flowId ? { flowId: delivery.flowId } : {}),
    ...(delivery.sequenceId ? { sequenceId: delivery.sequenceId } : {}),
    eventId: delivery.eventId,
    eventType: delivery.eventType,
  };
}

function channelOf(job: Job): 'webhook' | 'email' {
  return job.delivery.channel === 'email' ? 'email' : 'webhook';
}

/** A delivery set aside unattempted: held (behind its lane or paused connection), or deferred. */
export function parkedRow(job: Job, status: 'held' | 'retrying', reason: string): ParkedDelivery {
  return {
    ...identity(job),
    channel: channelOf(job),
    // A delivery without ordering still needs a lane of its own to be released by.
    lane: laneOf(job) ?? JSON.stringify([job.delivery.tenant, job.delivery.id]),
    message: job.bytes,
    reason,
    status,
    retryCount: job.retriesSoFar,
    nextAttemptAt: null,
    origin: formatOrigin(job.origin),
  };
}

/** One attempt, with the delivery's new place in the queue. */
export function attemptRow(
  job: Job,
  attemptedAt: number,
  status: DeliveryStatus,
  settlement: Settlement | undefined,
  evidence: AttemptEvidence,
  nextAttemptAt?: number,
): AttemptRecord {
  return {
    ...identity(job),
    attemptedAt: new Date(attemptedAt),
    status,
    ...evidence,
    queue: {
      channel: channelOf(job),
      lane: laneOf(job),
      message: job.bytes,
      category: settlement && settlement.status !== 'succeeded' ? settlement.category : null,
      retryCount: settlement?.status === 'retrying' ? settlement.retry : job.retriesSoFar,
      nextAttemptAt: nextAttemptAt === undefined ? null : new Date(nextAttemptAt),
      origin: formatOrigin(job.origin),
    },
  };
}
