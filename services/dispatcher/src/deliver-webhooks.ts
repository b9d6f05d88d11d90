import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { deadLetterHeaders, decodeDelivery, DeliveryV1, Topic, TopicNames } from '@flowline/contracts';
import { AttemptRecord, DeliveryLogRepository, DeliveryStatus } from '@flowline/db';
import {
  AttemptOutcome,
  AuthenticatedSender,
  classifyOutcome,
  classifySmtpOutcome,
  ConnectionSettings,
  DEFAULT_MAX_RETRIES,
  EmailSender,
  urlConnection,
  SentRequest,
} from '@flowline/delivery';
import { BatchContext, ConsumedRecord, FlowlineProducer, OutgoingMessage } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import { DATA_SOURCE, LOGGER } from '@flowline/runtime';
import { ConnectionCatalog } from './connection-catalog';

/** Subjects delivered at once within one chunk; one subject's deliveries always go one by one. */
const SUBJECTS_IN_FLIGHT = 64;
/**
 * Interim retry policy, until retry topics arrive (issue 5): a retriable failure is retried in
 * place after 1 s, 2 s, 4 s... (at most 30 s), `maxRetries` times, then abandoned to the DLQ.
 */
const MAX_IN_PLACE_WAIT_MS = 30_000;
const IN_PLACE_BACKOFF_MS = (retry: number): number => Math.min(MAX_IN_PLACE_WAIT_MS, 1000 * 2 ** (retry - 1));

class ShuttingDown extends Error {}

/**
 * Dispatcher's use case: send each delivery (a webhook over HTTP, or an email over SMTP), log every
 * attempt, dead-letter what cannot be sent.
 */
@Injectable()
export class DeliverWebhooks {
  private readonly log: DeliveryLogRepository;

  constructor(
    @Inject(ConnectionCatalog) private readonly connections: ConnectionCatalog,
    @Inject(AuthenticatedSender) private readonly sender: AuthenticatedSender,
    @Inject(EmailSender) private readonly emailSender: EmailSender,
    @Inject(FlowlineProducer) private readonly producer: FlowlineProducer,
    @Inject(TopicNames) private readonly topics: TopicNames,
    @Inject(FlowlineMetrics) private readonly metrics: FlowlineMetrics,
    @Inject(DATA_SOURCE) dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.log = new DeliveryLogRepository(dataSource);
  }

  async execute(records: ConsumedRecord[], context: BatchContext): Promise<void> {
    const attempts: AttemptRecord[] = [];
    const deadLetters: OutgoingMessage[] = [];
    const bySubject = new Map<string, ConsumedRecord[]>();
    for (const record of records) {
      const key = record.key ?? '';
      const queue = bySubject.get(key);
      if (queue) queue.push(record);
      else bySubject.set(key, [record]);
    }
    const queues = [...bySubject.values()];
    // A worker takes one subject at a time and sends its deliveries in order. A subject whose
    // retry wait is cut short by shutdown stops there; the others finish their queues.
    const worker = async (): Promise<void> => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        for (const record of queue) {
          // Another member owns the partition now: sending more would race it on the same subject.
          if (context.revoked.aborted) throw new Error('partition revoked');
          await this.deliver(record, attempts, deadLetters, AbortSignal.any([context.signal, context.revoked]));
        }
      }
    };
    const workers = await Promise.allSettled(
      Array.from({ length: Math.min(SUBJECTS_IN_FLIGHT, queues.length) }, worker),
    );
    // Every attempt made is logged, also when the chunk was cut short...
    await this.log.record(attempts);
    // ...but then its offsets stay uncommitted, so its deliveries are sent again (same webhook-id).
    const failed = workers.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    await this.producer.send(deadLetters);
  }

  private async deliver(
    record: ConsumedRecord,
    attempts: AttemptRecord[],
    deadLetters: OutgoingMessage[],
    signal: AbortSignal,
  ): Promise<void> {
    const decoded = decodeDelivery(record.value);
    if (!decoded.ok) {
      deadLetters.push(this.deadLetter(record, decoded.error, 'system', 0));
      return;
    }
    const delivery = decoded.value;
    if (delivery.channel === 'email') {
      if (!this.emailSender.configured) {
        // Never skipped quietly: the operator sees it in the DLQ, the metrics and the log.
        const error = 'SMTP_URL is not configured: the email of this delivery cannot be sent';
        this.logger.warn({ deliveryId: delivery.id, channel: 'email' }, error);
        deadLetters.push(this.deadLetter(record, error, 'config', 0));
        return;
      }
      await this.retryInPlace(
        record,
        DEFAULT_MAX_RETRIES,
        (attempt) => this.attemptEmail(delivery, attempts, attempt),
        deadLetters,
        signal,
      );
      return;
    }
    const connection = await this.connectionOf(delivery);
    if (!connection) {
      deadLetters.push(this.deadLetter(record, `connection ${delivery.connectionId} not found`, 'config', 0));
      return;
    }
    if (connection.unusable) {
      this.logger.warn({ deliveryId: delivery.id, connectionId: connection.id }, connection.unusable);
      deadLetters.push(this.deadLetter(record, connection.unusable, 'config', 0));
      return;
    }
    await this.retryInPlace(
      record,
      connection.maxRetries,
      (attempt) => this.attempt(connection, delivery, attempts, attempt),
      deadLetters,
      signal,
    );
  }

  /** Attempts until success or a permanent failure, retrying in place at most `maxRetries` times. */
  private async retryInPlace(
    record: ConsumedRecord,
    maxRetries: number,
    attemptOnce: (attempt: number) => Promise<AttemptOutcome>,
    deadLetters: OutgoingMessage[],
    signal: AbortSignal,
  ): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await attemptOnce(attempt);
      if (outcome.kind === 'success') return;
      if (outcome.kind === 'permanent') {
        deadLetters.push(this.deadLetter(record, outcome.reason, outcome.category, attempt));
        return;
      }
      const retry = attempt; // the retry that comes next is number `attempt`
      if (retry > maxRetries) {
        this.metrics.deliveries.labels('abandoned').inc();
        deadLetters.push(this.deadLetter(record, outcome.reason, outcome.category, attempt));
        return;
      }
      this.metrics.retries.labels('in_place').inc();
      // Retry-After is honoured up to the backoff ceiling: a receiver cannot park a partition for a day.
      await sleep(
        Math.min(MAX_IN_PLACE_WAIT_MS, Math.max(outcome.retryAfterMs ?? 0, IN_PLACE_BACKOFF_MS(retry))),
        signal,
      );
    }
  }

  /** The delivery's connection, or for a sequence's `webhook_url` the default policy to that URL. */
  private async connectionOf(delivery: DeliveryV1): Promise<ConnectionSettings | undefined> {
    if (delivery.connectionId === undefined) {
      return delivery.url === undefined ? undefined : urlConnection(delivery.tenant, delivery.url);
    }
    const found = this.connections.find(delivery.tenant, delivery.connectionId);
    if (found) return found;
    // The connection may be newer than this catalog: look again before giving the delivery up.
    await this.connections.refresh();
    return this.connections.find(delivery.tenant, delivery.connectionId);
  }

  private async attempt(
    connection: ConnectionSettings,
    delivery: DeliveryV1,
    attempts: AttemptRecord[],
    attempt: number,
  ): Promise<AttemptOutcome> {
    const attemptedAt = Date.now();
    const { sent, refused } = await this.sender.send(connection, delivery);
    if (refused) {
      // OAuth2: the receiver refused the cached token. It was dropped and the delivery sent once
      // more with a new token, within this attempt: logged, but not one of the delivery's retries.
      this.metrics.deliveryAttemptDuration.observe(refused.latencyMs / 1000);
      this.logger.warn(
        { deliveryId: delivery.id, connectionId: connection.id, attempt },
        'receiver refused the OAuth2 access token: sent again with a new token',
      );
      this.recordAttempt(attempts, delivery, attemptedAt, {
        ...webhookEvidence(refused),
        status: 'retrying',
        error: 'HTTP 401: access token refused, sent again with a new one',
      });
    }
    const outcome = classifyOutcome(sent.result, Date.now());
    const status = this.settle(delivery, outcome, sent.latencyMs, attempt, connection.maxRetries, {
      connectionId: connection.id,
    });
    this.recordAttempt(attempts, delivery, refused ? Date.now() : attemptedAt, {
      ...webhookEvidence(sent),
      status,
      error: outcome.kind === 'success' ? null : outcome.reason,
    });
    return outcome;
  }

  /**
   * One email submission, logged like a webhook attempt: the status code is the SMTP reply code
   * (none when the server was not reached) and the excerpt the server's reply, both without
   * addresses. The message itself is never logged.
   */
  private async attemptEmail(
    delivery: DeliveryV1,
    attempts: AttemptRecord[],
    attempt: number,
  ): Promise<AttemptOutcome> {
    const attemptedAt = Date.now();
    const sent = await this.emailSender.send({ id: delivery.id, ...delivery.email! });
    const outcome = classifySmtpOutcome(sent.result, Date.now());
    const status = this.settle(delivery, outcome, sent.latencyMs, attempt, DEFAULT_MAX_RETRIES, { channel: 'email' });
    const reply = sent.result.kind === 'reply' ? sent.result : undefined;
    const refused = sent.rejectedRecipients > 0 ? ` (${sent.rejectedRecipients} recipient(s) refused)` : '';
    this.recordAttempt(attempts, delivery, attemptedAt, {
      status,
      statusCode: reply?.code ?? null,
      latencyMs: sent.latencyMs,
      error: outcome.kind === 'success' ? null : outcome.reason,
      responseExcerpt: reply ? `${reply.code} ${reply.text}`.trim() + refused : null,
    });
    return outcome;
  }

  /** What an attempt's outcome means for the delivery, its metrics and the log: one place for every channel. */
  private settle(
    delivery: DeliveryV1,
    outcome: AttemptOutcome,
    latencyMs: number,
    attempt: number,
    maxRetries: number,
    logContext: Record<string, unknown>,
  ): DeliveryStatus {
    const status: DeliveryStatus =
      outcome.kind === 'success'
        ? 'succeeded'
        : outcome.kind === 'retry' && attempt <= maxRetries
          ? 'retrying'
          : 'failed';
    this.metrics.deliveryAttemptDuration.observe(latencyMs / 1000);
    this.metrics.deliveries.labels(status).inc();
    if (outcome.kind === 'success') this.metrics.endToEndLatency.observe((Date.now() - delivery.ingestedAt) / 1000);
    else
      this.logger.warn(
        { deliveryId: delivery.id, ...logContext, attempt, reason: outcome.reason },
        'delivery attempt failed',
      );
    return status;
  }

  private recordAttempt(
    attempts: AttemptRecord[],
    delivery: DeliveryV1,
    attemptedAt: number,
    evidence: Pick<AttemptRecord, 'status' | 'statusCode' | 'latencyMs' | 'error' | 'responseExcerpt'>,
  ): void {
    attempts.push({
      deliveryId: delivery.id,
      tenant: delivery.tenant,
      subject: delivery.subject,
      connectionId: delivery.connectionId ?? null,
      ...(delivery.flowId ? { flowId: delivery.flowId } : {}),
      ...(delivery.sequenceId ? { sequenceId: delivery.sequenceId } : {}),
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      attemptedAt: new Date(attemptedAt),
      ...evidence,
    });
  }

  private deadLetter(record: ConsumedRecord, error: string, category: string, attempts: number): OutgoingMessage {
    this.metrics.deadLetters.labels(category).inc();
    return {
      topic: this.topics.of(Topic.DeliveriesDlq),
      key: record.key ?? '',
      value: undefined,
      rawValue: record.value,
      type: 'delivery',
      headers: deadLetterHeaders(record, error, category, attempts),
    };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ShuttingDown('stopping'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ShuttingDown('stopping: the delivery is retried after restart'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** What a webhook request leaves in the delivery log. */
function webhookEvidence(sent: SentRequest): Pick<AttemptRecord, 'statusCode' | 'latencyMs' | 'responseExcerpt'> {
  return {
    // A token endpoint's status is not the receiver's: only the receiver's is logged as such.
    statusCode: sent.result.kind === 'response' && sent.result.endpoint !== 'token' ? sent.result.status : null,
    latencyMs: sent.latencyMs,
    responseExcerpt: sent.responseExcerpt,
  };
}
