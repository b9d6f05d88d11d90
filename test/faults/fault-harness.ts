import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, seedIntegration, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ClusterProcess } from '../support/cluster-process';
import { openDatabase } from '../support/database';
import { localKafkaEnv } from '../support/local-tls';
import { REGISTRATION_FIELDS, registrationEvent } from '../support/events';

interface Body {
  lead: string;
  sequence: number;
}

/** What one tenant's receiver saw, checked the way a receiver's operator would. */
export interface ReceiverAccount {
  /** Distinct webhook-ids answered 2xx. */
  accepted: number;
  /** Requests beyond the first 2xx of a webhook-id (redeliveries). */
  repeats: number;
  /** webhook-ids whose repeats carried another body. */
  differingBodies: string[];
  /** Subjects whose deliveries were first accepted out of event order. */
  outOfOrderSubjects: string[];
}

/**
 * One tenant of a fault scenario: a receiver, a connection with its policy, and the events it is
 * sent (`registrationEvent`s, `sequence` = their index, spread over `subjects` subjects).
 */
export class FaultTenant {
  readonly id = `fault-${uniqueSuffix()}`;
  readonly receiver = new HttpReceiver();
  /** webhook-ids in the order of their first 2xx. */
  private readonly acceptedOrder: string[] = [];
  private readonly acceptedIds = new Set<string>();

  constructor(
    readonly events: number,
    readonly subjects: number,
    private readonly policy: Record<string, unknown>,
    private readonly answer: (request: { headers: Record<string, unknown> }) => {
      status: number;
      delayMs?: number;
    } = () => ({ status: 200 }),
  ) {}

  async start(dataSource: DataSource): Promise<void> {
    await this.receiver.start();
    this.receiver.responder = (request) => {
      const answer = this.answer(request);
      const id = String(request.headers['webhook-id']);
      if (answer.status < 300 && !this.acceptedIds.has(id)) {
        this.acceptedIds.add(id);
        this.acceptedOrder.push(id);
      }
      return answer;
    };
    await seedIntegration(dataSource, {
      tenantId: this.id,
      receiverUrl: this.receiver.url,
      eventTypes: ['registration.created'],
      fields: REGISTRATION_FIELDS,
      policy: this.policy,
    });
  }

  get accepted(): number {
    return this.acceptedIds.size;
  }

  /** Produces its events to the ingest topic, in event order per subject. */
  async produce(kafka: KafkaTestClient, topics: TopicNames, from = 0, to = this.events): Promise<void> {
    for (let start = from; start < to; start += 1_000) {
      const batch = Array.from({ length: Math.min(1_000, to - start) }, (_, offset) => {
        const index = start + offset;
        const event = registrationEvent(this.id, `lead-${index % this.subjects}`, index);
        return { key: `${this.id}:${event.subject}`, value: event };
      });
      await kafka.produceJson(topics.of(Topic.Ingest), batch);
    }
  }

  account(): ReceiverAccount {
    const bodies = new Map<string, string>();
    const differing = new Set<string>();
    for (const request of this.receiver.requests) {
      const id = String(request.headers['webhook-id']);
      const first = bodies.get(id);
      if (first === undefined) bodies.set(id, request.body);
      else if (first !== request.body) differing.add(id);
    }
    const lanes = new Map<string, number[]>();
    for (const id of this.acceptedOrder) {
      const body = JSON.parse(bodies.get(id)!) as Body;
      lanes.set(body.lead, [...(lanes.get(body.lead) ?? []), body.sequence]);
    }
    return {
      accepted: this.acceptedIds.size,
      repeats: this.receiver.requests.length - bodies.size,
      differingBodies: [...differing],
      outOfOrderSubjects: [...lanes]
        .filter(([, lane]) => lane.some((sequence, i) => i > 0 && sequence < lane[i - 1]!))
        .map(([lead]) => lead),
    };
  }

  async stop(dataSource: DataSource | undefined): Promise<void> {
    // Whatever is left queued is not taken up by a later test's dispatcher (same database).
    await dataSource?.query(
      `UPDATE connections SET paused_at = now(), paused_reason = 'test over' WHERE tenant_id = $1`,
      [this.id],
    );
    await this.receiver.stop();
  }
}

/**
 * The services as separate processes on the local three-broker cluster (`kafka.sh start
 * cluster`), with topics replicated three times, `min.insync.replicas` 2.
 */
export class FaultCluster {
  readonly env = testEnvironment({
    ...localKafkaEnv('cluster'),
    FLOWLINE_REPLICATION_FACTOR: '3',
    FLOWLINE_MIN_INSYNC_REPLICAS: '2',
    FLOWLINE_PARTITIONS: '6',
    // The group notices a killed member in seconds, not the default 30.
    FLOWLINE_KAFKA_SESSION_TIMEOUT_MS: '10000',
  });
  readonly topics = new TopicNames(this.env.FLOWLINE_TOPIC_PREFIX!);
  readonly kafka = new KafkaTestClient(loadConfig(this.env).KAFKA_BROKERS);
  readonly processes: ClusterProcess[] = [];
  dataSource!: DataSource;

  async open(): Promise<void> {
    this.dataSource = await openDatabase(this.env);
  }

  /** Starts one process running `services` (comma-separated), once it logged 'started'. */
  async start(services: string): Promise<ClusterProcess> {
    const process = new ClusterProcess(this.env, services);
    this.processes.push(process);
    await process.start();
    return process;
  }

  /** Delivery rows of a tenant by status: what PostgreSQL still holds for it. */
  async statusCounts(tenant: string): Promise<Record<string, number>> {
    const rows = await this.dataSource.query<Array<{ status: string; count: number }>>(
      'SELECT status, count(*)::int AS count FROM deliveries WHERE tenant_id = $1 GROUP BY status',
      [tenant],
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.count]));
  }

  /** Records of the dead-letter topic keyed to one of `tenants`. */
  async deadLetters(tenants: readonly string[]): Promise<number> {
    const dlq = this.topics.of(Topic.DeliveriesDlq);
    const records = await this.kafka.collect(dlq, await this.kafka.recordCount(dlq));
    return records.filter((record) => tenants.some((tenant) => record.key?.startsWith(`${tenant}:`))).length;
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map((process) => process.stop('SIGKILL')));
    await this.kafka.close();
  }
}

/** Resolves once `check` holds, looking every 200 ms; fails saying how far it got. */
export async function until(what: () => string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The most requests in any one-second window starting `afterMs` after the first request. */
export function busiestSecond(receivedAt: readonly number[], afterMs: number): number {
  const times = [...receivedAt].sort((a, b) => a - b);
  const from = (times[0] ?? 0) + afterMs;
  let most = 0;
  for (let first = 0, last = 0; last < times.length; last += 1) {
    if (times[last]! < from) {
      first = last + 1;
      continue;
    }
    while (times[last]! - times[first]! >= 1000) first += 1;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
