import pino from 'pino';
import {
  DeliveryV1,
  DLQ_HEADERS,
  EmailDeliveryV1,
  Notice,
  RETRY_HEADERS,
  Topic,
  TopicNames,
  WebhookDeliveryV1,
} from '@flowline/contracts';
import { MemoryDeliveryStore } from '@flowline/db';
import {
  AttemptResult,
  AuthenticatedSend,
  ConnectionSettings,
  OutgoingEmail,
  SentEmail,
  SmtpResult,
  urlConnection,
} from '@flowline/delivery';
import type { BatchContext, ConsumedRecord, OutgoingMessage, PartlyHandled } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import { ManualTimers, settle } from '@flowline/testing';
import type { Clock } from '../src/clock';
import { composeDispatcher, DispatcherParts, DispatcherPorts } from '../src/dispatcher-parts';

/** A clock the test moves by hand: its timers run, in order, as it passes them. */
export class ManualClock extends ManualTimers implements Clock {
  constructor(time = Date.UTC(2025, 2, 1, 10, 0, 0)) {
    super(time);
  }
}

/** What a scripted receiver answers: a status, an error before any response, or a 401 then a status (OAuth2). */
export type Answer = number | { error: 'timeout' | 'connection' } | { refusedThen: number };

/**
 * A receiver that answers from a script, one answer per request (the last one repeats), and
 * records what it was sent: the webhook side of the dispatcher without a network.
 */
export class ScriptedReceiver {
  readonly sent: DeliveryV1[] = [];
  /** The connection (URL, signer) each request went to, in the order sent. */
  readonly sentTo: ConnectionSettings[] = [];
  private script: Answer[] = [200];
  private holding = false;
  private readonly pending: Array<() => void> = [];

  answer(...answers: Answer[]): this {
    this.script = answers;
    return this;
  }

  /** From now on every request waits for `finishOne` to be answered: a receiver as slow as the test says. */
  hold(): this {
    this.holding = true;
    return this;
  }

  /** Answers the request that has waited longest (with `hold`). */
  finishOne(): void {
    this.pending.shift()?.();
  }

  /** Requests waiting for their answer (with `hold`). */
  get inFlight(): number {
    return this.pending.length;
  }

  /** `clock`, when given, times a held request from its send to its answer, as a receiver's latency. */
  constructor(private readonly clock?: Clock) {}

  send(connection: ConnectionSettings, delivery: DeliveryV1): Promise<AuthenticatedSend> {
    const answered = this.answerOf(connection, delivery);
    if (!this.holding) return answered;
    const sentAt = this.clock?.now();
    return new Promise((resolve) =>
      this.pending.push(() =>
        resolve(
          answered.then((answer) =>
            sentAt === undefined
              ? answer
              : { ...answer, sent: { ...answer.sent, latencyMs: this.clock!.now() - sentAt } },
          ),
        ),
      ),
    );
  }

  private answerOf(connection: ConnectionSettings, delivery: DeliveryV1): Promise<AuthenticatedSend> {
    this.sent.push(delivery);
    this.sentTo.push(connection);
    const answer = this.script.length > 1 ? this.script.shift()! : this.script[0]!;
    const request = (result: AttemptResult) => ({ result, latencyMs: 25, responseExcerpt: null });
    if (typeof answer === 'number') return Promise.resolve({ sent: request({ kind: 'response', status: answer }) });
    if ('error' in answer)
      return Promise.resolve({
        sent: request({ kind: 'error', code: answer.error, message: `${answer.error} error` }),
      });
    return Promise.resolve({
      sent: request({ kind: 'response', status: answer.refusedThen }),
      refused: request({ kind: 'response', status: 401 }),
    });
  }
}

/** An SMTP server from a script, as `ScriptedReceiver`. */
export class ScriptedMailbox {
  readonly sent: OutgoingEmail[] = [];
  configured = true;
  private script: SmtpResult[] = [{ kind: 'reply', code: 250, text: 'OK queued' }];

  answer(...answers: SmtpResult[]): this {
    this.script = answers;
    return this;
  }

  send(email: OutgoingEmail): Promise<SentEmail> {
    this.sent.push(email);
    const result = this.script.length > 1 ? this.script.shift()! : this.script[0]!;
    return Promise.resolve({ result, latencyMs: 40, rejectedRecipients: 0 });
  }
}

/** The connection catalog, the pauses it learns of and the connections' failing clocks, in memory. */
/**
 * No rate limit to speak of unless a test sets one: a bucket holds a fiftieth of a second's tokens
 * (decision 0022), and a wait for the next one ends only when the manual clock moves.
 */
const UNHURRIED = { rateLimitPerS: 100_000 };

export class MemoryConnections {
  readonly byId = new Map<string, ConnectionSettings>();
  readonly pausedInDatabase = new Map<string, string>();
  /** `connection_health`: since when each failing connection has failed. */
  readonly failingSince = new Map<string, Date>();

  add(overrides: Partial<ConnectionSettings> & { id: string; tenant: string }): ConnectionSettings {
    const connection = {
      ...urlConnection(overrides.tenant, 'https://receiver.example/hook'),
      ...UNHURRIED,
      ...overrides,
    };
    this.byId.set(connection.id, connection);
    return connection;
  }

  find(tenant: string, id: string): ConnectionSettings | undefined {
    const connection = this.byId.get(id);
    return connection?.tenant === tenant ? connection : undefined;
  }

  refreshForUnknown(): Promise<void> {
    return Promise.resolve();
  }

  all(): Iterable<ConnectionSettings> {
    return this.byId.values();
  }

  pauseAfterGone(_tenant: string, id: string, reason: string): Promise<boolean> {
    if (this.pausedInDatabase.has(id)) return Promise.resolve(false);
    this.pausedInDatabase.set(id, reason);
    return Promise.resolve(true);
  }

  pauseAfterFailing(_tenant: string, id: string, reason: string, failingSinceAtMost: Date): Promise<boolean> {
    const since = this.failingSince.get(id);
    if (this.pausedInDatabase.has(id) || !since || since > failingSinceAtMost) return Promise.resolve(false);
    this.pausedInDatabase.set(id, reason);
    return Promise.resolve(true);
  }

  markFailing(_tenant: string, id: string, at: Date): Promise<Date | undefined> {
    if (!this.byId.has(id)) return Promise.resolve(undefined);
    if (!this.failingSince.has(id)) this.failingSince.set(id, at);
    return Promise.resolve(this.failingSince.get(id));
  }

  markRecovered(connections: Array<{ tenant: string; id: string }>): Promise<void> {
    for (const { id } of connections) this.failingSince.delete(id);
    return Promise.resolve();
  }

  /** An operator's resume, as the API does it: unpaused, its failing clock cleared, the catalog reloaded. */
  resume(id: string): void {
    this.pausedInDatabase.delete(id);
    this.failingSince.delete(id);
    const connection = this.byId.get(id)!;
    this.byId.set(id, { ...connection, paused: false, pausedReason: undefined });
  }
}

/** The tenants' notification endpoints, in memory. */
export class MemoryNotificationEndpoints {
  readonly byId = new Map<string, ConnectionSettings>();

  add(tenant: string, id: string, url = 'https://ops.example/notify'): ConnectionSettings {
    const endpoint = { ...urlConnection(tenant, url), ...UNHURRIED, id: `notification:${id}`, name: 'ops' };
    this.byId.set(id, endpoint);
    return endpoint;
  }

  find(tenant: string, id: string): Promise<ConnectionSettings | undefined> {
    const endpoint = this.byId.get(id);
    return Promise.resolve(endpoint?.tenant === tenant ? endpoint : undefined);
  }
}

export const PREFIX = 'fast.';
export const TENANT = 'acme';
export const CONNECTION = '0b7e6c1e-7f55-4a8e-9a3b-2f5d3c1a9e01';

/**
 * The dispatcher composed as in production (`composeDispatcher`), on in-memory ports: the
 * delivery store's twin, a manual clock, a fixed random source (jitter 0), scripted receivers
 * and a producer that keeps what it is given. Nothing here waits for time to pass.
 */
export class DispatcherHarness {
  readonly clock = new ManualClock();
  readonly topics = new TopicNames(PREFIX);
  readonly connections = new MemoryConnections();
  readonly notificationEndpoints = new MemoryNotificationEndpoints();
  /** The notices the dispatcher gave (a connection it paused). */
  readonly notices: Notice[] = [];
  readonly store = new MemoryDeliveryStore({
    now: () => this.clock.now(),
    isConnectionPaused: (id) => this.connections.pausedInDatabase.has(id),
  });
  readonly receiver = new ScriptedReceiver(this.clock);
  readonly mailbox = new ScriptedMailbox();
  readonly produced: OutgoingMessage[] = [];
  readonly metrics = new FlowlineMetrics();
  readonly parts: DispatcherParts;
  private offset = 0;

  /**
   * `options` replaces ports of the harness's own: a bounded sweep, a scripted gate, or another
   * store (the race of decision 0043 needs PostgreSQL's; `store` then still names the unused twin).
   */
  constructor(
    connection: Partial<ConnectionSettings> = {},
    options: Partial<Pick<DispatcherPorts, 'lanesPerSweep' | 'limiter' | 'store'>> = {},
  ) {
    this.connections.add({ id: CONNECTION, tenant: TENANT, maxRetries: 2, retryScheduleS: [10, 120], ...connection });
    this.parts = composeDispatcher({
      store: this.store,
      producer: { send: (messages) => Promise.resolve(void this.produced.push(...messages)) },
      connections: this.connections,
      notificationEndpoints: this.notificationEndpoints,
      notices: { notify: (notice) => Promise.resolve(void this.notices.push(notice)) },
      health: this.connections,
      webhooks: this.receiver,
      emails: this.mailbox,
      topics: this.topics,
      metrics: this.metrics,
      logger: pino({ level: 'silent' }),
      clock: this.clock,
      // The middle of [0, 1): no jitter, so a wait is exactly the schedule's.
      random: () => 0.5,
      retryScheduleS: [1, 2, 4],
      pauseAfterFailingS: 3600,
      ...options,
    });
  }

  /** A webhook delivery of subject `subject` to the harness's connection. */
  delivery(id: string, subject = 'lead-1', overrides: Partial<WebhookDeliveryV1> = {}): WebhookDeliveryV1 {
    return {
      v: 1,
      id,
      tenant: TENANT,
      subject,
      connectionId: CONNECTION,
      eventId: `evt-${id}`,
      eventType: 'registration.created',
      body: { id },
      headers: {},
      ingestedAt: this.clock.now() - 1_000,
      ...overrides,
    };
  }

  /** An email delivery (a sequence trigger's emails) of subject `subject`. */
  email(id: string, subject = 'lead-1'): EmailDeliveryV1 {
    const { connectionId: _none, url: _url, body: _body, channel: _webhook, ...rest } = this.delivery(id, subject);
    return {
      ...rest,
      channel: 'email',
      email: { to: ['ops@example.com'], subject: 'Sequence completed', text: 'hi', html: '<p>hi</p>' },
      body: null,
    };
  }

  /** A record of `flowline.deliveries` carrying `delivery` (or raw bytes), at the next offset. */
  record(delivery: DeliveryV1 | Buffer, headers: Record<string, string> = {}): ConsumedRecord {
    const value = Buffer.isBuffer(delivery) ? delivery : Buffer.from(JSON.stringify(delivery));
    const subject = Buffer.isBuffer(delivery) ? 'unknown' : delivery.subject;
    return {
      topic: this.topics.of(Topic.Deliveries),
      partition: 0,
      offset: String(this.offset++),
      key: `${TENANT}:${subject}`,
      value,
      headers,
      timestamp: this.clock.now(),
    };
  }

  /** A produced retry record, as the dispatcher reads it back from its tier. */
  consumed(message: OutgoingMessage): ConsumedRecord {
    return {
      topic: message.topic,
      partition: 0,
      offset: String(this.offset++),
      key: message.key,
      value: message.rawValue ?? null,
      headers: message.headers ?? {},
      timestamp: this.clock.now(),
    };
  }

  /** Hands records to the use case as the consumer runner would, then waits for the lanes it released. */
  async deliver(records: ConsumedRecord[], rebalancing = false): Promise<void | PartlyHandled> {
    const stop = new AbortController();
    if (rebalancing) stop.abort();
    const context: BatchContext = { signal: new AbortController().signal, rebalancing: stop.signal };
    const handled = await this.parts.deliver.execute(records, context);
    await this.parts.releaser.idle();
    return handled;
  }

  async sweep(): Promise<void> {
    await this.parts.sweeper.sweep();
    await this.parts.releaser.idle();
  }

  /** Produced records of one kind, taken (so the next look sees only what came after). */
  take(kind: 'retry' | 'dlq'): OutgoingMessage[] {
    const wanted = (message: OutgoingMessage) =>
      kind === 'dlq' ? message.topic === this.topics.of(Topic.DeliveriesDlq) : message.topic.includes('.retry.');
    const taken = this.produced.filter(wanted);
    this.produced.splice(0, this.produced.length, ...this.produced.filter((message) => !wanted(message)));
    return taken;
  }

  /**
   * Stores a success for `id` without releasing its lane: what an attempt leaves when its
   * process dies right after storing it (the release that should follow never ran).
   */
  async succeededBeforeCrash(id: string): Promise<void> {
    const row = this.store.row(id)!;
    await this.store.record([
      {
        deliveryId: id,
        tenant: row.tenant,
        subject: row.subject,
        connectionId: row.connectionId,
        eventId: row.eventId,
        eventType: row.eventType,
        status: 'succeeded',
        attemptedAt: new Date(this.clock.now()),
        statusCode: 200,
        latencyMs: 5,
        error: null,
        responseExcerpt: null,
        queue: { ...row, message: null, category: null, nextAttemptAt: null },
      },
    ]);
  }

  status(id: string): string | undefined {
    return this.store.row(id)?.status;
  }

  /** A counter's value summed over the series carrying `label` (a reason, category, outcome or tier). */
  async counter(
    name: 'deliveries' | 'deliveriesHeld' | 'deadLetters' | 'retries' | 'connectionPauses',
    label: string,
  ): Promise<number> {
    const { values } = await this.metrics[name].get();
    return values
      .filter((value) => Object.values(value.labels).includes(label))
      .reduce((sum, value) => sum + value.value, 0);
  }
}

export { settle };

export const headersOf = (message: OutgoingMessage) => ({
  retry: message.headers?.[RETRY_HEADERS.retry],
  dueAt: Number(message.headers?.[RETRY_HEADERS.dueAt]),
  category: message.headers?.[DLQ_HEADERS.category],
  attempts: message.headers?.[DLQ_HEADERS.attempts],
  error: message.headers?.[DLQ_HEADERS.error],
});
