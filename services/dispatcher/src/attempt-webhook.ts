import type { DeliveryStatus } from '@flowline/db';
import {
  AuthenticatedSender,
  classifyOutcome,
  ConnectionAdmitter,
  ConnectionSettings,
  RetryPolicy,
  SentRequest,
} from '@flowline/delivery';
import type { FlowlineMetrics } from '@flowline/observability';
import type { Logger } from 'pino';
import type { Clock } from './clock';
import type { AttemptEvidence } from './delivery-rows';
import type { Effects } from './effects';
import type { EndpointHealth } from './endpoint-health';
import type { Job } from './job';
import { DEFERRED_SLOW, type SettlementEffects } from './settlement-effects';

/**
 * An attempt waits for its connection's in-flight slot as long as the connection makes progress
 * (a request of it finishes, or one is admitted, at least this often), and for a token of its
 * rate limit only if that token comes within this time. Otherwise it is deferred to a retry topic:
 * a receiver that stopped answering, or a tenant's low rate limit, must not hold up the partition
 * and with it deliveries to other receivers (decision 0028).
 */
export const MAX_ADMISSION_WAIT_MS = 1_000;

/**
 * The hard cap: no attempt of a chunk (or of a release batch) waits for its connection past this
 * long after the chunk began, however the connection progresses, so a saturated receiver holds its
 * partition's chunk, and the other tenants' deliveries behind it, at most this long.
 */
export const MAX_CHUNK_ADMISSION_WAIT_MS = 3_000;

/**
 * The hard cap of a chunk whose deliveries all wait for one connection (decision 0030): nobody
 * else's in the chunk waits for them, only the partition's later records.
 */
export const MAX_SOLE_DESTINATION_WAIT_MS = 10_000;

/** Sends webhooks: `AuthenticatedSender` is one. */
export type WebhookChannel = Pick<AuthenticatedSender, 'send'>;

/**
 * One webhook attempt: admitted by its connection's limits (or deferred), sent, settled; what it
 * says of the connection's health (a 410, a run of retryable failures) may pause the connection.
 */
export class AttemptWebhook {
  constructor(
    private readonly webhooks: WebhookChannel,
    private readonly limiter: ConnectionAdmitter,
    private readonly settlements: SettlementEffects,
    private readonly health: EndpointHealth,
    private readonly metrics: FlowlineMetrics,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  async execute(
    job: Job,
    target: { connection: ConnectionSettings; policy: RetryPolicy; limiterKey: string },
    effects: Effects,
  ): Promise<DeliveryStatus> {
    // The cap bounds waiting for a slot; a free slot is taken at once. A receiver that answers,
    // but slowly, would so hold the chunk for a request's time per delivery of one subject (each
    // waits for the one before it): past the cap, a connection this chunk found slow gets no
    // more of its requests; they go to the retry topic as if their slot had not come.
    if (effects.slowConnections.has(target.limiterKey) && this.clock.now() >= job.waitUntil)
      return this.settlements.defer(job, effects, MAX_ADMISSION_WAIT_MS, DEFERRED_SLOW);
    const admission = await this.limiter.admit(target.limiterKey, target.connection, {
      stallMs: MAX_ADMISSION_WAIT_MS,
      until: job.waitUntil,
    });
    if (!admission.admitted)
      return this.settlements.defer(job, effects, Math.max(admission.retryInMs, MAX_ADMISSION_WAIT_MS));
    try {
      return await this.send(job, target, effects);
    } finally {
      admission.release();
    }
  }

  private async send(
    job: Job,
    { connection, policy, limiterKey }: { connection: ConnectionSettings; policy: RetryPolicy; limiterKey: string },
    effects: Effects,
  ): Promise<DeliveryStatus> {
    const { delivery } = job;
    const attemptedAt = this.clock.now();
    const { sent, refused } = await this.webhooks.send(connection, delivery);
    // The request's own time, the receiver's answer: not a token fetch or the dispatcher's own
    // writes. The latest answer decides, so one request that hung until its timeout among quick
    // ones (a receiver's hiccup) does not make the connection slow.
    if (sent.latencyMs > MAX_ADMISSION_WAIT_MS) effects.slowConnections.add(limiterKey);
    else effects.slowConnections.delete(limiterKey);
    if (refused) {
      // OAuth2: the receiver refused the cached token. It was dropped and the delivery sent once
      // more with a new token, within this attempt: logged, but not one of the delivery's retries.
      this.metrics.deliveryAttemptDuration.observe(refused.latencyMs / 1000);
      this.logger.warn(
        { deliveryId: delivery.id, connectionId: connection.id },
        'receiver refused the OAuth2 access token: sent again with a new token',
      );
      this.settlements.logExtraAttempt(job, effects, attemptedAt, {
        ...webhookEvidence(refused),
        error: 'HTTP 401: access token refused, sent again with a new one',
      });
    }
    const outcome = classifyOutcome(sent.result, this.clock.now());
    const settlement = this.settlements.settle(job, outcome, sent.latencyMs, policy, { connectionId: connection.id });
    this.settlements.apply(job, effects, settlement, refused ? this.clock.now() : attemptedAt, {
      ...webhookEvidence(sent),
      error: outcome.kind === 'success' ? null : outcome.reason,
    });
    // A sequence's webhook_url is no connection: nothing to pause.
    if (delivery.connectionId !== undefined) await this.health.afterAttempt(connection, outcome);
    return settlement.status;
  }
}

/** What a webhook request leaves in the delivery log. */
function webhookEvidence(sent: SentRequest): Omit<AttemptEvidence, 'error'> {
  return {
    // A token endpoint's status is not the receiver's: only the receiver's is logged as such.
    statusCode: sent.result.kind === 'response' && sent.result.endpoint !== 'token' ? sent.result.status : null,
    latencyMs: sent.latencyMs,
    responseExcerpt: sent.responseExcerpt,
  };
}
