import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { FlowlineEnv } from '@flowline/config';
import {
  DeadLetterOrigin,
  decodeDelivery,
  DeliveryV1,
  DLQ_HEADERS,
  formatOrigin,
  messageKey,
  parseOrigin,
  RETRY_HEADERS,
  retryTopic,
  Topic,
  TopicNames,
} from '@flowline/contracts';
import {
  AttemptRecord,
  DeliveryLogRepository,
  DeliveryQueueRepository,
  DeliveryStatus,
  LANE_HOLDING_STATUSES,
  SENDING_LEASE_RENEW_MS,
  ParkedDelivery,
} from '@flowline/db';
import {
  AttemptOutcome,
  AuthenticatedSender,
  classifyOutcome,
  classifySmtpOutcome,
  ConnectionLimiter,
  ConnectionSettings,
  DEFAULT_MAX_RETRIES,
  EmailSender,
  requestProblem,
  RetryPolicy,
  retryTier,
  SentRequest,
  Settlement,
  settleAttempt,
  urlConnection,
} from '@flowline/delivery';
import {
  BatchContext,
  ConsumedRecord,
  deadLetterRecord,
  FlowlineProducer,
  OutgoingMessage,
  PartlyHandled,
} from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import { DATA_SOURCE, LOGGER } from '@flowline/runtime';
import { ConnectionCatalog } from './connection-catalog';

/** Subjects delivered at once within one chunk; one subject's deliveries always go one by one. */
const SUBJECTS_IN_FLIGHT = 64;
/**
 * How long an attempt waits for its connection's rate limit or in-flight slot. Longer, it is
 * deferred to a retry topic instead: a slow receiver must not hold up the partition, and with it
 * deliveries to healthy receivers.
 */
const MAX_ADMISSION_WAIT_MS = 1_000;

/**
 * A retry this long past due has lost its record (a crash between storing it and producing the
 * record, in a release): the sweeper produces it again. A record that is merely late in a busy
 * tier is then stale and skipped, so being early costs a record, never an extra attempt.
 */
const OVERDUE_AFTER_S = 60;

/** Lanes released at once by one dispatcher (each release sends its lane's deliveries one by one). */
const MAX_CONCURRENT_RELEASES = 8;

const HELD_BEHIND = 'held behind an earlier delivery of the same subject to the same destination';
const HELD_PAUSED = 'held: the connection is paused (410 Gone or an operator); resume it to deliver';

/** Where a delivery goes and under which policy. */
type Target =
  | {
      kind: 'webhook';
      connection: ConnectionSettings;
      policy: RetryPolicy;
      lane: string | null;
      /** Whose rate and in-flight limits apply: the connection, or a sequence's own URL. */
      limiterKey: string;
    }
  | { kind: 'email'; policy: RetryPolicy; lane: string | null }
  | { kind: 'unusable'; reason: string };

/** One delivery to settle, from a consumed record, a retry record or a lane's release. */
interface Job {
  delivery: DeliveryV1;
  bytes: Buffer;
  key: string;
  origin: DeadLetterOrigin;
  /** Retries already made: the next failure schedules retry `retriesSoFar + 1`. */
  retriesSoFar: number;
  target: Target;
  /** It came from the queue (a retry, a release, a resubmit): settling it may free its lane. */
  fromQueue: boolean;
}

/** What a chunk (or a release) leaves to do: stored first, then produced, then the offsets committed. */
class Effects {
  readonly attempts: AttemptRecord[] = [];
  readonly parked: ParkedDelivery[] = [];
  readonly messages: OutgoingMessage[] = [];
  /** Lanes whose waiting delivery settled: what is held behind it may go now. */
  readonly released = new Set<string>();
}

/**
 * Dispatcher's use case (decision 0009): send each delivery (a webhook over HTTP, or an email over
 * SMTP), log every attempt, retry through the retry topics, keep each lane (a subject's
 * deliveries to one destination) in order by holding its later deliveries while one waits, and
 * dead-letter what cannot be sent.
 */
@Injectable()
export class DeliverWebhooks implements OnModuleDestroy {
  private readonly log: DeliveryLogRepository;
  private readonly queue: DeliveryQueueRepository;
  private readonly limiter = new ConnectionLimiter();
  private readonly background = new Set<Promise<void>>();
  private readonly lanesToRelease = new Set<string>();
  private releasing = 0;
  private closing = false;

  constructor(
    @Inject(ConnectionCatalog) private readonly connections: ConnectionCatalog,
    @Inject(AuthenticatedSender) private readonly sender: AuthenticatedSender,
    @Inject(EmailSender) private readonly emailSender: EmailSender,
    @Inject(FlowlineProducer) private readonly producer: FlowlineProducer,
    @Inject(TopicNames) private readonly topics: TopicNames,
    @Inject(FlowlineMetrics) private readonly metrics: FlowlineMetrics,
    @Inject(FlowlineEnv) private readonly config: FlowlineEnv,
    @Inject(DATA_SOURCE) dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.log = new DeliveryLogRepository(dataSource);
    this.queue = new DeliveryQueueRepository(dataSource);
  }

  async execute(records: ConsumedRecord[], context: BatchContext): Promise<void | PartlyHandled> {
    return records[0]?.topic === this.topics.of(Topic.Deliveries)
      ? this.deliverNew(records, context)
      : this.deliverRetries(records, context);
  }

  /** Lets releases in flight finish before the process leaves (their work is stored as it goes). */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.background]);
  }

  /**
   * Releases every lane whose head settled or whose release was cut short, and re-produces retry
   * records lost between storing and producing. The dispatcher's housekeeping, every 2 s.
   */
  async sweep(): Promise<void> {
    const lost: OutgoingMessage[] = [];
    for (const overdue of await this.queue.takeOverdueRetries(this.topics.prefix, OVERDUE_AFTER_S, 100)) {
      const decoded = decodeDelivery(overdue.message);
      if (!decoded.ok) continue;
      const delivery = decoded.value;
      const origin = parseOrigin(overdue.origin, this.topics.of(Topic.Deliveries));
      const retry = Math.max(1, overdue.retryCount);
      this.logger.warn(
        { deliveryId: delivery.id, retry },
        'retry overdue by a minute: its retry record is produced again',
      );
      const key = messageKey(delivery.tenant, delivery.subject);
      lost.push(this.retryRecord(key, overdue.message, origin, retry, overdue.nextAttemptAt));
    }
    // Not produced now, they are a minute overdue again soon and taken once more.
    await this.producer.send(lost);
    this.releaseInBackground(await this.queue.releasableLanes(this.topics.prefix, 100));
    this.metrics.connectionPaused.reset();
    for (const connection of this.connections.all())
      if (connection.paused) this.metrics.connectionPaused.labels(connection.id).set(1);
  }

  /** Records of `flowline.deliveries`: new deliveries, and resubmitted ones. */
  private async deliverNew(records: ConsumedRecord[], context: BatchContext): Promise<void> {
    const effects = new Effects();
    const consumed: Array<{ record: ConsumedRecord; job: Job }> = [];
    for (const record of records) {
      const decoded = decodeDelivery(record.value);
      if (!decoded.ok) {
        effects.messages.push(this.deadLetter(record.key ?? '', record.value, record, decoded.error, 'system', 0));
        continue;
      }
      consumed.push({
        record,
        job: await this.jobOf(decoded.value, record.value!, record.key ?? '', record, 0, false),
      });
    }
    const view = await this.queue.view(
      consumed.map(({ job }) => job.delivery.id),
      consumed.flatMap(({ job }) => (laneOf(job) ? [laneOf(job)!] : [])),
    );
    const fresh: Job[] = [];
    const resubmitted = new Set<Job>();
    for (const { record, job } of consumed) {
      const known = view.known.get(job.delivery.id);
      if (record.headers[RETRY_HEADERS.resubmit] === '1') {
        // An operator's submit (the api set the row to retrying, due now): attempted at once,
        // unless a later submit or an attempt has moved the delivery on since.
        if (known?.status === 'retrying' && known.nextAttemptAt === dueAt(record)) {
          const resubmit = { ...job, retriesSoFar: known.retryCount, fromQueue: true };
          resubmitted.add(resubmit);
          fresh.push(resubmit);
        }
        continue;
      }
      const seenBefore = known !== undefined && known.origin === formatOrigin(record);
      if (seenBefore && isSettled(known.status)) continue; // settled before a crash left it uncommitted
      if (known && LANE_HOLDING_STATUSES.includes(known.status)) {
        // It waits in the queue already. Seen again after a crash: its retry record may not have
        // been produced, so it is produced again (a copy that did go out is skipped as stale).
        if (seenBefore && known.status === 'retrying' && known.nextAttemptAt !== null)
          effects.messages.push(
            this.retryRecord(job.key, job.bytes, record, Math.max(1, known.retryCount), known.nextAttemptAt),
          );
        continue;
      }
      fresh.push(job);
    }
    const behindHeld = fresh.filter((job) => !resubmitted.has(job) && view.heldLanes.has(laneOf(job) ?? ''));
    const stillHeld = await this.queue.parkWhileHeld(behindHeld.map((job) => this.parked(job, 'held', HELD_BEHIND)));
    const parked = new Set(behindHeld.filter((job) => stillHeld.has(laneOf(job)!)));
    this.metrics.deliveriesHeld.labels('lane').inc(parked.size);
    await this.deliverInOrder(
      fresh.filter((job) => !parked.has(job)),
      effects,
      context,
    );
    await this.persist(effects);
    this.releaseInBackground(effects.released);
  }

  /**
   * Records of a retry topic. Every record of the chunk that is due is attempted (if still
   * current: see decision 0009), also those behind one that is not; the partition then pauses
   * until the earliest record not yet due, and from there is read again (what was attempted
   * meanwhile is skipped as stale). Nothing is polled while it waits.
   */
  private async deliverRetries(records: ConsumedRecord[], context: BatchContext): Promise<void | PartlyHandled> {
    const now = Date.now();
    const due = records.filter((record) => dueAt(record) <= now);
    const notDue = records.filter((record) => dueAt(record) > now);
    const effects = new Effects();
    const decoded = due.map((record) => ({ record, decoded: decodeDelivery(record.value) }));
    const { known: states } = await this.queue.view(
      decoded.flatMap(({ decoded }) => (decoded.ok ? [decoded.value.id] : [])),
      [],
    );
    const jobs: Job[] = [];
    for (const { record, decoded: result } of decoded) {
      if (!result.ok) {
        effects.messages.push(
          this.deadLetter(record.key ?? '', record.value, originOf(record), result.error, 'system', 0),
        );
        continue;
      }
      const state = states.get(result.value.id);
      if (state?.status === 'retrying' && state.nextAttemptAt === dueAt(record)) {
        jobs.push(
          await this.jobOf(result.value, record.value!, record.key ?? '', originOf(record), state.retryCount, true),
        );
      } else if (state?.lane && isSettled(state.status)) {
        // Stale (resubmitted, or seen again after a crash): make sure its lane was released.
        effects.released.add(state.lane);
      }
    }
    await this.deliverInOrder(jobs, effects, context);
    await this.persist(effects);
    this.releaseInBackground(effects.released);
    if (notDue.length > 0) return { handled: records.indexOf(notDue[0]!), pauseUntil: Math.min(...notDue.map(dueAt)) };
  }

  /**
   * Attempts jobs concurrently across subjects and in order within one. Once a lane waits (a
   * retry, a deferral, a paused connection), its later deliveries in the chunk are held too.
   */
  private async deliverInOrder(jobs: Job[], effects: Effects, context: BatchContext): Promise<void> {
    const bySubject = new Map<string, Job[]>();
    for (const job of jobs) {
      const queue = bySubject.get(job.key);
      if (queue) queue.push(job);
      else bySubject.set(job.key, [job]);
    }
    const queues = [...bySubject.values()];
    const waitingLanes = new Set<string>();
    const worker = async (): Promise<void> => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        for (const job of queue) {
          // Another member owns the partition now: sending more would race it on the same subject.
          if (context.revoked.aborted) throw new Error('partition revoked');
          const lane = laneOf(job);
          if (lane && waitingLanes.has(lane)) {
            effects.parked.push(this.parked(job, 'held', HELD_BEHIND));
            this.metrics.deliveriesHeld.labels('lane').inc();
            continue;
          }
          const status = await this.settle(job, effects);
          if (lane && (status === 'retrying' || status === 'held')) waitingLanes.add(lane);
        }
      }
    };
    const workers = await Promise.allSettled(
      Array.from({ length: Math.min(SUBJECTS_IN_FLIGHT, queues.length) }, worker),
    );
    // Every attempt made is stored, also when the chunk was cut short...
    const failed = workers.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) {
      // ...with their retries produced (a redelivered record whose delivery waits is not sent
      // again)... but the chunk's offsets stay uncommitted: what was not settled is sent again.
      await this.persist(effects);
      throw failed.reason;
    }
  }

  /** Stored before produced: a retry record always finds its delivery's state (see `sweep` for the gap). */
  private async persist(effects: Effects): Promise<void> {
    await this.log.record(effects.attempts, effects.parked);
    await this.producer.send(effects.messages);
  }

  /** One delivery: attempted, held, deferred or dead-lettered; answers its new status. */
  private async settle(job: Job, effects: Effects): Promise<DeliveryStatus> {
    const { delivery, target } = job;
    if (target.kind === 'unusable') {
      this.logger.warn({ deliveryId: delivery.id }, target.reason);
      this.fail(job, effects, { status: 'failed', category: 'config', reason: target.reason, pauseConnection: false });
      this.recordAttempt(effects, job, Date.now(), 'failed', undefined, {
        statusCode: null,
        latencyMs: 0,
        error: target.reason,
        responseExcerpt: null,
      });
      return 'failed';
    }
    if (target.kind === 'webhook' && target.connection.paused) {
      effects.parked.push(this.parked(job, 'held', HELD_PAUSED));
      this.metrics.deliveriesHeld.labels('paused').inc();
      return 'held';
    }
    const problem = target.kind === 'webhook' ? requestProblem(target.connection, delivery) : undefined;
    if (problem !== undefined) {
      // Every attempt would build the same request: failed now, not retried.
      this.logger.warn({ deliveryId: delivery.id }, problem);
      const settlement = { status: 'failed', category: 'validation', reason: problem, pauseConnection: false } as const;
      this.metrics.deliveries.labels('failed').inc();
      this.fail(job, effects, settlement);
      this.recordAttempt(effects, job, Date.now(), 'failed', settlement, {
        statusCode: null,
        latencyMs: 0,
        error: problem,
        responseExcerpt: null,
      });
      return 'failed';
    }
    if (target.kind === 'email') return this.attemptEmail(job, target.policy, effects);
    const admission = await this.limiter.admit(target.limiterKey, target.connection, MAX_ADMISSION_WAIT_MS);
    if (!admission.admitted) {
      this.defer(job, effects, Math.max(admission.retryInMs, MAX_ADMISSION_WAIT_MS));
      return 'retrying';
    }
    try {
      return await this.attemptWebhook(job, target.connection, target.policy, effects);
    } finally {
      admission.release();
    }
  }

  private async attemptWebhook(
    job: Job,
    connection: ConnectionSettings,
    policy: RetryPolicy,
    effects: Effects,
  ): Promise<DeliveryStatus> {
    const { delivery } = job;
    const attemptedAt = Date.now();
    const { sent, refused } = await this.sender.send(connection, delivery);
    if (refused) {
      // OAuth2: the receiver refused the cached token. It was dropped and the delivery sent once
      // more with a new token, within this attempt: logged, but not one of the delivery's retries.
      this.metrics.deliveryAttemptDuration.observe(refused.latencyMs / 1000);
      this.logger.warn(
        { deliveryId: delivery.id, connectionId: connection.id },
        'receiver refused the OAuth2 access token: sent again with a new token',
      );
      this.recordAttempt(effects, job, attemptedAt, 'retrying', undefined, {
        ...webhookEvidence(refused),
        error: 'HTTP 401: access token refused, sent again with a new one',
      });
    }
    const outcome = classifyOutcome(sent.result, Date.now());
    const settlement = this.settlementOf(job, outcome, sent.latencyMs, policy, { connectionId: connection.id });
    this.apply(job, effects, settlement, refused ? Date.now() : attemptedAt, {
      ...webhookEvidence(sent),
      error: outcome.kind === 'success' ? null : outcome.reason,
    });
    if (settlement.status === 'failed' && settlement.pauseConnection && job.delivery.connectionId !== undefined)
      await this.pause(connection, settlement.reason);
    return settlement.status;
  }

  /**
   * One email submission, logged like a webhook attempt: the status code is the SMTP reply code
   * (none when the server was not reached) and the excerpt the server's reply, both without
   * addresses. The message itself is never logged.
   */
  private async attemptEmail(job: Job, policy: RetryPolicy, effects: Effects): Promise<DeliveryStatus> {
    const { delivery } = job;
    const attemptedAt = Date.now();
    const sent = await this.emailSender.send({ id: delivery.id, ...delivery.email! });
    const outcome = classifySmtpOutcome(sent.result, Date.now());
    const settlement = this.settlementOf(job, outcome, sent.latencyMs, policy, { channel: 'email' });
    const reply = sent.result.kind === 'reply' ? sent.result : undefined;
    const refused = sent.rejectedRecipients > 0 ? ` (${sent.rejectedRecipients} recipient(s) refused)` : '';
    this.apply(job, effects, settlement, attemptedAt, {
      statusCode: reply?.code ?? null,
      latencyMs: sent.latencyMs,
      error: outcome.kind === 'success' ? null : outcome.reason,
      responseExcerpt: reply ? `${reply.code} ${reply.text}`.trim() + refused : null,
    });
    return settlement.status;
  }

  /** What an attempt's outcome means for the delivery, its metrics and the log: one place for every channel. */
  private settlementOf(
    job: Job,
    outcome: AttemptOutcome,
    latencyMs: number,
    policy: RetryPolicy,
    logContext: Record<string, unknown>,
  ): Settlement {
    const settlement = settleAttempt(outcome, job.retriesSoFar, policy, Math.random());
    this.metrics.deliveryAttemptDuration.observe(latencyMs / 1000);
    this.metrics.deliveries.labels(settlement.status).inc();
    if (settlement.status === 'succeeded')
      this.metrics.endToEndLatency.observe((Date.now() - job.delivery.ingestedAt) / 1000);
    else
      this.logger.warn(
        { deliveryId: job.delivery.id, ...logContext, retry: job.retriesSoFar, reason: settlement.reason },
        'delivery attempt failed',
      );
    return settlement;
  }

  /** Logs the attempt with the delivery's new place in the queue, and produces its retry or dead letter. */
  private apply(
    job: Job,
    effects: Effects,
    settlement: Settlement,
    attemptedAt: number,
    evidence: Pick<AttemptRecord, 'statusCode' | 'latencyMs' | 'error' | 'responseExcerpt'>,
  ): void {
    if (settlement.status === 'retrying') {
      const due = Date.now() + settlement.delayMs;
      this.metrics.retries.labels(String(retryTier(settlement.delayMs))).inc();
      effects.messages.push(this.retryRecord(job.key, job.bytes, job.origin, settlement.retry, due));
      this.recordAttempt(effects, job, attemptedAt, 'retrying', settlement, evidence, due);
      return;
    }
    if (settlement.status !== 'succeeded') this.fail(job, effects, settlement);
    else if (job.fromQueue) this.freeLane(job, effects);
    this.recordAttempt(effects, job, attemptedAt, settlement.status, settlement, evidence);
  }

  /** Dead-letters a delivery that failed for good (CONTRACT §8): permanent, or out of retries. */
  private fail(
    job: Job,
    effects: Effects,
    settlement: Exclude<Settlement, { status: 'succeeded' | 'retrying' }>,
  ): void {
    const attempts = job.retriesSoFar + 1;
    effects.messages.push(
      this.deadLetter(job.key, job.bytes, job.origin, settlement.reason, settlement.category, attempts),
    );
    if (job.fromQueue) this.freeLane(job, effects);
  }

  private freeLane(job: Job, effects: Effects): void {
    const lane = laneOf(job);
    if (lane) effects.released.add(lane);
  }

  /** The connection's limits allow no request now: the delivery waits in a retry topic, unattempted. */
  private defer(job: Job, effects: Effects, delayMs: number): void {
    const due = Date.now() + delayMs;
    this.metrics.deliveriesHeld.labels('deferred').inc();
    effects.messages.push(this.retryRecord(job.key, job.bytes, job.origin, Math.max(1, job.retriesSoFar), due));
    effects.parked.push({
      ...this.parked(job, 'retrying', 'deferred: the connection is at its rate_limit_per_s or max_in_flight'),
      nextAttemptAt: new Date(due),
    });
  }

  /** After a 410 Gone: the connection is paused here at once and for every service through PostgreSQL. */
  private async pause(connection: ConnectionSettings, reason: string): Promise<void> {
    connection.paused = true;
    this.metrics.connectionPaused.labels(connection.id).set(1);
    try {
      if (await this.queue.pauseConnection(connection.id, reason))
        this.logger.error({ connectionId: connection.id, reason }, 'connection paused: an operator must resume it');
    } catch (error) {
      // Paused in this process already; the others pause it at their own first 410.
      this.logger.warn({ err: error, connectionId: connection.id }, 'could not store the pause of a connection');
    }
  }

  /** Delivers a lane's held deliveries in order, until one has to wait (or none are left). */
  private async release(lane: string): Promise<void> {
    for (;;) {
      if (this.closing) return;
      const claimed = await this.queue.claimNext(lane);
      if (!claimed) return;
      const effects = new Effects();
      const decoded = decodeDelivery(claimed.message);
      const origin = parseOrigin(claimed.origin, this.topics.of(Topic.Deliveries));
      if (!decoded.ok) {
        // Cannot happen to a record stored after decoding; kept from blocking the lane if it does.
        effects.messages.push(this.deadLetter('', claimed.message, origin, decoded.error, 'system', 0));
        await this.producer.send(effects.messages);
        await this.queue.failUnreadable(claimed.id, decoded.error);
        continue;
      }
      const delivery = decoded.value;
      const key = messageKey(delivery.tenant, delivery.subject);
      const job = await this.jobOf(delivery, claimed.message, key, origin, claimed.retryCount, true);
      // The claim is a lease: kept while the attempt lasts, so another release does not take it.
      const lease = setInterval(() => {
        this.queue.renewClaim(claimed.id).catch(() => undefined);
      }, SENDING_LEASE_RENEW_MS);
      let status: DeliveryStatus;
      try {
        status = await this.settle(job, effects);
        effects.released.delete(lane);
        await this.persist(effects);
      } finally {
        clearInterval(lease);
      }
      if (status === 'retrying' || status === 'held') return;
    }
  }

  /**
   * Releases lanes in the background, at most `MAX_CONCURRENT_RELEASES` at once (each holds a
   * database connection between its steps); a lane asked for twice is released once.
   */
  private releaseInBackground(lanes: Iterable<string>): void {
    for (const lane of lanes) this.lanesToRelease.add(lane);
    while (!this.closing && this.releasing < MAX_CONCURRENT_RELEASES && this.lanesToRelease.size > 0) {
      const lane = this.lanesToRelease.values().next().value!;
      this.lanesToRelease.delete(lane);
      this.releasing += 1;
      const task = this.release(lane)
        .catch((error: unknown) => {
          // The sweeper releases it again within seconds.
          this.logger.warn({ err: error }, 'releasing a lane failed');
        })
        .finally(() => {
          this.releasing -= 1;
          this.background.delete(task);
          this.releaseInBackground([]);
        });
      this.background.add(task);
    }
  }

  private async jobOf(
    delivery: DeliveryV1,
    bytes: Buffer,
    key: string,
    origin: DeadLetterOrigin,
    retriesSoFar: number,
    fromQueue: boolean,
  ): Promise<Job> {
    return { delivery, bytes, key, origin, retriesSoFar, fromQueue, target: await this.targetOf(delivery) };
  }

  /** The delivery's destination and policy: its connection, a sequence's `webhook_url`, or email. */
  private async targetOf(delivery: DeliveryV1): Promise<Target> {
    const schedule = this.config.FLOWLINE_RETRY_SCHEDULE_S;
    const lane = (destination: string, ordering: 'per_subject' | 'none'): string | null =>
      ordering === 'none' ? null : JSON.stringify([delivery.tenant, destination, delivery.subject]);
    if (delivery.channel === 'email') {
      if (!this.emailSender.configured)
        return { kind: 'unusable', reason: 'SMTP_URL is not configured: the email of this delivery cannot be sent' };
      return {
        kind: 'email',
        policy: { maxRetries: DEFAULT_MAX_RETRIES, retryScheduleS: schedule },
        lane: lane('email', 'per_subject'),
      };
    }
    let connection: ConnectionSettings | undefined;
    if (delivery.connectionId === undefined) {
      connection = delivery.url === undefined ? undefined : urlConnection(delivery.tenant, delivery.url);
    } else {
      connection = this.connections.find(delivery.tenant, delivery.connectionId);
      if (!connection) {
        // The connection may be newer than this catalog: look again before giving the delivery up.
        await this.connections.refreshForUnknown();
        connection = this.connections.find(delivery.tenant, delivery.connectionId);
      }
    }
    if (!connection) return { kind: 'unusable', reason: `connection ${delivery.connectionId} not found` };
    if (connection.unusable) return { kind: 'unusable', reason: connection.unusable };
    const destination = delivery.connectionId ?? `url:${delivery.tenant}:${connection.url}`;
    const policy = {
      maxRetries: connection.maxRetries,
      retryScheduleS: connection.retryScheduleS.length > 0 ? connection.retryScheduleS : schedule,
    };
    return {
      kind: 'webhook',
      connection,
      policy,
      lane: lane(destination, connection.ordering),
      limiterKey: destination,
    };
  }

  private parked(job: Job, status: 'held' | 'retrying', reason: string): ParkedDelivery {
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
      channel: delivery.channel === 'email' ? 'email' : 'webhook',
      // A delivery without ordering still needs a lane of its own to be released by.
      lane: laneOf(job) ?? JSON.stringify([delivery.tenant, delivery.id]),
      message: job.bytes,
      reason,
      status,
      retryCount: job.retriesSoFar,
      nextAttemptAt: null,
      origin: formatOrigin(job.origin),
    };
  }

  private recordAttempt(
    effects: Effects,
    job: Job,
    attemptedAt: number,
    status: DeliveryStatus,
    settlement: Settlement | undefined,
    evidence: Pick<AttemptRecord, 'statusCode' | 'latencyMs' | 'error' | 'responseExcerpt'>,
    nextAttemptAt?: number,
  ): void {
    const { delivery } = job;
    effects.attempts.push({
      deliveryId: delivery.id,
      tenant: delivery.tenant,
      subject: delivery.subject,
      connectionId: delivery.connectionId ?? null,
      ...(delivery.flowId ? { flowId: delivery.flowId } : {}),
      ...(delivery.sequenceId ? { sequenceId: delivery.sequenceId } : {}),
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      attemptedAt: new Date(attemptedAt),
      status,
      ...evidence,
      queue: {
        channel: delivery.channel === 'email' ? 'email' : 'webhook',
        lane: laneOf(job),
        message: job.bytes,
        category: settlement && settlement.status !== 'succeeded' ? settlement.category : null,
        retryCount: settlement?.status === 'retrying' ? settlement.retry : job.retriesSoFar,
        nextAttemptAt: nextAttemptAt === undefined ? null : new Date(nextAttemptAt),
        origin: formatOrigin(job.origin),
      },
    });
  }

  private retryRecord(
    key: string,
    bytes: Buffer,
    origin: DeadLetterOrigin,
    retry: number,
    due: number,
  ): OutgoingMessage {
    return {
      topic: this.topics.of(retryTopic(retryTier(due - Date.now()))),
      key,
      value: undefined,
      rawValue: bytes,
      type: 'delivery',
      headers: {
        [RETRY_HEADERS.retry]: String(retry),
        [RETRY_HEADERS.dueAt]: String(due),
        [DLQ_HEADERS.originalTopic]: origin.topic,
        [DLQ_HEADERS.originalPartition]: String(origin.partition),
        [DLQ_HEADERS.originalOffset]: origin.offset,
      },
    };
  }

  private deadLetter(
    key: string,
    bytes: Buffer | null,
    origin: DeadLetterOrigin,
    error: string,
    category: string,
    attempts: number,
  ): OutgoingMessage {
    this.metrics.deadLetters.labels(category).inc();
    return deadLetterRecord({
      topic: this.topics.of(Topic.DeliveriesDlq),
      key,
      type: 'delivery',
      original: bytes,
      origin,
      error,
      category,
      attempts,
    });
  }
}

function laneOf(job: Job): string | null {
  return job.target.kind === 'unusable' ? null : job.target.lane;
}

function isSettled(status: DeliveryStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'abandoned';
}

function dueAt(record: ConsumedRecord): number {
  return Number(record.headers[RETRY_HEADERS.dueAt] ?? 0);
}

/** A retry record carries its delivery's first origin; a new record is its own. */
function originOf(record: ConsumedRecord): DeadLetterOrigin {
  const topic = record.headers[DLQ_HEADERS.originalTopic];
  if (topic === undefined) return record;
  return {
    topic,
    partition: Number(record.headers[DLQ_HEADERS.originalPartition] ?? -1),
    offset: record.headers[DLQ_HEADERS.originalOffset] ?? '-1',
  };
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
