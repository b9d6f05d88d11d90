import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { deliveryId, Topic, TopicNames } from '@flowline/contracts';
import {
  accountFor,
  CountWaiter,
  HttpReceiver,
  KafkaTestClient,
  ReceiverAccount,
  Responder,
  SeededIntegration,
  seedIntegration,
  testEnvironment,
  uniqueSuffix,
} from '@flowline/testing';
import { ClusterProcess } from '../support/cluster-process';
import { openDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { localKafkaEnv } from '../support/local-tls';
import { REGISTRATION_FIELDS, registrationEvent } from '../support/events';

const ROOT = join(__dirname, '../..');
const run = promisify(execFile);

/** The services a fault scenario scales: every one that consumes (the api does not). */
export const CONSUMING_SERVICES = ['ingest', 'flow-evaluator', 'sequence-detector', 'mapper', 'dispatcher'] as const;
export type ConsumingService = (typeof CONSUMING_SERVICES)[number];

/**
 * One tenant of a scenario: its receiver, a connection with its policy, and its share of the
 * scenario's events (`registrationEvent`s numbered from 0, spread over its subjects, so a body's
 * `sequence` is its event's place in its subject's order).
 */
export class FaultTenant {
  readonly id = `fault-${uniqueSuffix()}`;
  readonly receiver = new HttpReceiver();
  /** When each webhook-id was first answered 2xx. */
  readonly firstAcceptedAt = new Map<string, number>();
  private readonly statuses: number[] = [];
  private readonly acceptances = new CountWaiter(() => this.firstAcceptedAt.size, `accepted webhook-ids`);
  private seeded: SeededIntegration | undefined;

  constructor(
    readonly name: string,
    readonly events: number,
    readonly subjects: number,
    private readonly policy: Record<string, unknown> = {},
    private readonly answer: Responder = () => ({ status: 200 }),
  ) {}

  async start(dataSource: DataSource): Promise<void> {
    await this.receiver.start();
    this.receiver.responder = (request, index) => {
      const answer = this.answer(request, index);
      this.statuses[index] = answer.status;
      const id = String(request.headers['webhook-id']);
      if (answer.status < 300 && !this.firstAcceptedAt.has(id)) {
        this.firstAcceptedAt.set(id, request.receivedAt);
        // After this request is recorded (the receiver pushes it once the responder answered).
        queueMicrotask(() => this.acceptances.notify());
      }
      return answer;
    };
    this.seeded = await seedIntegration(dataSource, {
      tenantId: this.id,
      receiverUrl: this.receiver.url,
      eventTypes: ['registration.created'],
      fields: REGISTRATION_FIELDS,
      policy: this.policy,
    });
  }

  /** The `index`-th event of this tenant, keyed as an upstream producer keys it (by subject). */
  event(index: number): { key: string; value: unknown } {
    const event = registrationEvent(this.id, `lead-${index % this.subjects}`, index);
    return { key: `${this.id}:${event.subject}`, value: event };
  }

  get accepted(): number {
    return this.firstAcceptedAt.size;
  }

  waitForAll(timeoutMs: number): Promise<void> {
    return this.acceptances.waitFor(this.events, timeoutMs);
  }

  /** The webhook-ids it must get: one per event (its one flow has one action, to its one connection). */
  expectedIds(): Set<string> {
    const { flowId, connectionId } = this.seeded!;
    return new Set(
      Array.from({ length: this.events }, (_, index) =>
        deliveryId({
          tenant: this.id,
          eventId: registrationEvent(this.id, `lead-${index % this.subjects}`, index).id,
          origin: `flow:${flowId}`,
          connectionId,
        }),
      ),
    );
  }

  account(): ReceiverAccount {
    const expected = this.expectedIds();
    return accountFor(
      this.receiver.requests.map((request, index) => ({
        webhookId: String(request.headers['webhook-id']),
        body: request.body,
        receivedAt: request.receivedAt,
        status: this.statuses[index] ?? 0,
      })),
      expected,
      (body) => {
        const parsed = JSON.parse(body) as { lead: string; sequence: number };
        return { subject: parsed.lead, position: parsed.sequence };
      },
    );
  }

  async stop(): Promise<void> {
    await this.receiver.stop();
  }
}

/**
 * Produces tenants' events to the ingest topic at a steady rate (`ratePerS`, in ticks of 100
 * ms), interleaving the tenants; each subject's events in order. `reached(n)` resolves once n
 * events were produced, for a fault to strike mid-stream.
 */
export class SteadyLoad {
  produced = 0;
  startedAt = 0;
  finishedAt = 0;
  private readonly progress = new CountWaiter(() => this.produced, 'events produced');
  private readonly order: Array<{ tenant: FaultTenant; index: number }> = [];

  constructor(
    private readonly kafka: KafkaTestClient,
    private readonly topics: TopicNames,
    tenants: readonly FaultTenant[],
    private readonly ratePerS: number,
  ) {
    const most = Math.max(...tenants.map((tenant) => tenant.events));
    for (let index = 0; index < most; index += 1)
      for (const tenant of tenants) if (index < tenant.events) this.order.push({ tenant, index });
  }

  get total(): number {
    return this.order.length;
  }

  /**
   * Produces events `from` (inclusive) to `to` (exclusive) of the interleaved order, at the rate:
   * every 100 ms, everything due by then in one request. One request at a time keeps each
   * subject's order; a round trip slower than a tick (acks from three brokers on a busy machine)
   * makes the next request bigger instead of the rate lower.
   */
  async produce(from = 0, to = this.order.length): Promise<void> {
    if (this.startedAt === 0) this.startedAt = Date.now();
    const perTick = Math.max(1, Math.round(this.ratePerS / 10));
    const began = Date.now();
    for (let next = from; next < to;) {
      const dueByNextTick = from + Math.ceil((this.ratePerS * (Date.now() - began + 100)) / 1000);
      const end = Math.min(to, Math.max(next + 1, dueByNextTick), next + 10 * perTick);
      const batch = this.order.slice(next, end);
      await this.kafka.produceJson(
        this.topics.of(Topic.Ingest),
        batch.map(({ tenant, index }) => tenant.event(index)),
      );
      next = end;
      this.produced += batch.length;
      this.progress.notify();
      // The next request goes when its first tick's events are due.
      const wait = began + ((next + perTick - from) / this.ratePerS) * 1000 - 100 - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    this.finishedAt = Date.now();
  }

  reached(count: number, timeoutMs = 600_000): Promise<void> {
    return this.progress.waitFor(count, timeoutMs);
  }
}

/**
 * The services as separate processes (`node dist/services/cluster/src/main.js <service>`) on the
 * local three-broker cluster (`kafka.sh start cluster`), topics replicated three times with
 * `min.insync.replicas` 2, and the means to break things: brokers, PostgreSQL, replicas.
 */
export class FaultCluster {
  readonly env = testEnvironment({
    ...localKafkaEnv('cluster'),
    FLOWLINE_REPLICATION_FACTOR: '3',
    FLOWLINE_MIN_INSYNC_REPLICAS: '2',
    FLOWLINE_PARTITIONS: '6',
  });
  readonly topics = new TopicNames(this.env.FLOWLINE_TOPIC_PREFIX!);
  readonly kafka = new KafkaTestClient(loadConfig(this.env).KAFKA_BROKERS);
  readonly replicas = new Map<ConsumingService, ClusterProcess[]>(CONSUMING_SERVICES.map((name) => [name, []]));
  private readonly everyProcess: ClusterProcess[] = [];
  dataSource!: DataSource;

  async open(): Promise<void> {
    this.dataSource = await openDatabase(this.env);
  }

  /** Starts or stops replicas of `service` until `count` run (new ones have logged 'started'). */
  async scale(service: ConsumingService, count: number): Promise<void> {
    const running = this.replicas.get(service)!;
    const starting: Array<Promise<void>> = [];
    while (running.length < count) {
      const replica = new ClusterProcess(this.env, service);
      running.push(replica);
      this.everyProcess.push(replica);
      starting.push(replica.start());
    }
    // Stopped as an orchestrator scales down: SIGTERM, the member leaves its group cleanly.
    const stopping = running.splice(count).map((replica) => replica.stop('SIGTERM'));
    await Promise.all([...starting, ...stopping]);
  }

  /** Scales every consuming service to `count` replicas (the dispatcher to `dispatchers`). */
  async scaleAll(count: number, dispatchers = count): Promise<void> {
    await Promise.all(
      CONSUMING_SERVICES.map((service) => this.scale(service, service === 'dispatcher' ? dispatchers : count)),
    );
  }

  running(): ClusterProcess[] {
    return [...this.replicas.values()].flat();
  }

  /**
   * Resolves once every running process answers `/health/ready` with `status`. If they do not in
   * time, the error names each process that did not, with its last answer and its last warnings:
   * a CI run keeps no process logs.
   */
  async everyProcessReady(ready: boolean, timeoutMs: number): Promise<void> {
    const wanted = ready ? 200 : 503;
    let last: Array<{ replica: ClusterProcess; answer: ReadinessAnswer }> = [];
    try {
      await eventually(
        `every process ${ready ? 'ready' : 'unready'}`,
        async () => {
          last = await Promise.all(
            this.running().map(async (replica) => ({ replica, answer: await readiness(replica.url) })),
          );
          return last.every(({ answer }) => answer.status === wanted) ? true : undefined;
        },
        timeoutMs,
      );
    } catch (error) {
      const stragglers = last
        .filter(({ answer }) => answer.status !== wanted)
        .map(({ replica, answer }) => {
          const warnings = replica.logLines.filter((line) => /"level":"(warn|error|fatal)"/.test(line)).slice(-8);
          return [
            `${replica.services} (${replica.running ? 'running' : 'exited'}): ${answer.status} ${answer.body}`,
            ...warnings.map((line) => `  ${line.slice(0, 600)}`),
          ].join('\n');
        });
      throw new Error(`${(error as Error).message}; not so:\n${stragglers.join('\n')}`);
    }
  }

  /**
   * The sum over a service's running replicas of one metric's samples whose line contains
   * `labels` (e.g. `reason="deferred"`), from their /metrics.
   */
  async metricSum(service: ConsumingService, metric: string, labels = ''): Promise<number> {
    const texts = await Promise.all(
      this.replicas.get(service)!.map(async (replica) => (await fetch(`${replica.url}/metrics`)).text()),
    );
    return texts
      .flatMap((text) => text.split('\n'))
      .filter((line) => line.startsWith(`${metric}{`) || line.startsWith(`${metric} `))
      .filter((line) => line.includes(labels))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  }

  /** The member ids of a service's consumer group: a member evicted and rejoined gets a new one. */
  async groupMembers(service: ConsumingService): Promise<string[]> {
    const admin = this.kafka.kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([this.topics.group(service)]);
      return groups.flatMap((group) => group.members.map((member) => member.memberId)).sort();
    } finally {
      await admin.disconnect();
    }
  }

  /** The broker (node id) leading most partitions of this run's topics. */
  async busiestLeader(): Promise<number> {
    const admin = this.kafka.kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: this.topics.all() });
      const led = new Map<number, number>();
      for (const topic of topics)
        for (const partition of topic.partitions) led.set(partition.leader, (led.get(partition.leader) ?? 0) + 1);
      return [...led].sort((a, b) => b[1] - a[1])[0]![0];
    } finally {
      await admin.disconnect();
    }
  }

  /** kill -9 one broker of the cluster (its pid from kafka.sh's state). */
  killBroker(node: number): void {
    const pidFile = join(localDir(), 'kafka-cluster', `node-${node}`, 'kafka.pid');
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
  }

  async startBroker(node?: number): Promise<void> {
    await kafkaScript('start', ...(node === undefined ? [] : [String(node)]));
  }

  async stopEveryBroker(): Promise<void> {
    await kafkaScript('stop');
  }

  /** Every partition of this run's topics has all three replicas in sync again. */
  async fullyReplicated(timeoutMs: number): Promise<void> {
    const admin = this.kafka.kafka.admin();
    await admin.connect();
    try {
      await eventually(
        'every partition with three in-sync replicas',
        async () => {
          const { topics } = await admin.fetchTopicMetadata({ topics: this.topics.all() });
          return topics.every((topic) => topic.partitions.every((partition) => partition.isr.length === 3))
            ? true
            : undefined;
        },
        timeoutMs,
      );
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Stops the local PostgreSQL (`postgres.sh`), sees it down, and starts it again. The script leaves
   * a server alone while DATABASE_URL is set (it may be someone else's), so it is called without
   * it, once the URL is known to name the local server: a restart of another would prove nothing.
   */
  async restartPostgres(): Promise<{ downMs: number }> {
    const script = join(ROOT, 'deploy/local/postgres.sh');
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const local = new URL((await run('bash', [script, 'url'], { env })).stdout.trim());
    const used = new URL(loadConfig(this.env).DATABASE_URL);
    if (local.port !== used.port || !['127.0.0.1', 'localhost'].includes(used.hostname))
      throw new Error(`the scenario restarts the local PostgreSQL (${local.host}), but the services use ${used.host}`);
    await run('bash', [script, 'stop'], { env });
    const stoppedAt = Date.now();
    const status = await run('bash', [script, 'status'], { env }).then(
      () => 'running',
      () => 'stopped',
    );
    if (status !== 'stopped') throw new Error('postgres.sh stop left the local PostgreSQL running');
    await run('bash', [script, 'start'], { env });
    return { downMs: Date.now() - stoppedAt };
  }

  /** Delivery rows of tenants by status: what PostgreSQL still holds for them. */
  async deliveryStatuses(tenants: readonly FaultTenant[]): Promise<Record<string, number>> {
    const rows = await this.dataSource.query<Array<{ status: string; count: number }>>(
      'SELECT status, count(*)::int AS count FROM deliveries WHERE tenant_id = ANY($1) GROUP BY status',
      [tenants.map((tenant) => tenant.id)],
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.count]));
  }

  /** Records in the dead-letter topics (deliveries' and invalid events') keyed to one of `tenants`. */
  async deadLetters(tenants: readonly FaultTenant[]): Promise<number> {
    let found = 0;
    for (const topic of [Topic.DeliveriesDlq, Topic.EventsInvalid]) {
      const name = this.topics.of(topic);
      const records = await this.kafka.collect(name, await this.kafka.recordCount(name));
      found += records.filter((record) => tenants.some((tenant) => record.key?.startsWith(`${tenant.id}:`))).length;
    }
    return found;
  }

  /** Pauses the tenants' connections, so nothing of theirs is taken up later. */
  async retire(tenants: readonly FaultTenant[]): Promise<void> {
    await this.dataSource
      .query(`UPDATE connections SET paused_at = now(), paused_reason = 'scenario over' WHERE tenant_id = ANY($1)`, [
        tenants.map((tenant) => tenant.id),
      ])
      .catch(() => undefined);
    await Promise.all(tenants.map((tenant) => tenant.stop()));
  }

  async close(): Promise<void> {
    await Promise.all(this.everyProcess.map((replica) => replica.stop('SIGKILL')));
    try {
      // Every broker running again (kafka.sh starts only those that are not): a scenario cut
      // short with a broker down would otherwise fail the next suites on the cluster too.
      await this.startBroker();
    } finally {
      await this.kafka.close();
      await this.dataSource?.destroy();
    }
  }

  /** Log lines of every process this run started that match `pattern`. */
  logLines(pattern: RegExp): string[] {
    return this.everyProcess.flatMap((replica) => replica.logLines.filter((line) => pattern.test(line)));
  }
}

function localDir(): string {
  return process.env.FLOWLINE_LOCAL_DIR ?? join(ROOT, '.local');
}

async function kafkaScript(command: string, ...args: string[]): Promise<void> {
  // Brokers restarted on a busy 2-core machine can take minutes to rejoin their quorum.
  const env = { ...process.env, KAFKA_START_TIMEOUT: process.env.KAFKA_START_TIMEOUT ?? '300' };
  await run('bash', [join(ROOT, 'deploy/local/kafka.sh'), command, 'cluster', ...args], { env });
}

interface ReadinessAnswer {
  /** 0 when nothing answered. */
  status: number;
  body: string;
}

async function readiness(url: string): Promise<ReadinessAnswer> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: (await response.text()).slice(0, 300) };
  } catch (error) {
    return { status: 0, body: (error as Error).message };
  }
}
