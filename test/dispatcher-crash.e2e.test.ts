import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, seedIntegration, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ClusterProcess } from './support/cluster-process';
import { waitForPipelineDrained } from './support/consumer-groups';
import { openDatabase } from './support/database';
import { REGISTRATION_FIELDS, registrationEvent } from './support/events';

const TOTAL = 5_000;
const SUBJECTS = 100;
/** The webhooks received (2xx or not) when the dispatcher is killed. */
const KILL_AT = 1_500;
/** Every 10th webhook-id the receiver sees is refused (503) at its first request, and accepted after. */
const REFUSE_EVERY = 10;

interface Body {
  lead: string;
  sequence: number;
}

/**
 * kill -9 of the dispatcher mid-stream, with retries waiting and lanes held (docs/CONTRACT.md §8): every
 * delivery still arrives, nothing is abandoned, duplicates are only the same webhook-id with the
 * same body, and one subject's deliveries are first accepted in event order. The dispatcher runs
 * as a real process of its own; ingest, flow evaluator and mapper in another one, not killed.
 */
describe('kill -9 of the dispatcher during 5,000 deliveries', () => {
  const env = testEnvironment({
    // The group notices the killed dispatcher in seconds, not the default 30.
    FLOWLINE_KAFKA_SESSION_TIMEOUT_MS: '6000',
  });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const tenant = `crash-${uniqueSuffix()}`;
  const receiver = new HttpReceiver();
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  const processes: ClusterProcess[] = [];
  let dataSource: DataSource;

  /** Webhook-ids in the order they were first seen, and in the order they were first accepted. */
  const seen = new Set<string>();
  const accepted: string[] = [];
  const acceptedIds = new Set<string>();
  let allAccepted: () => void = () => undefined;
  const everyDeliveryAccepted = new Promise<void>((resolve) => (allAccepted = resolve));

  beforeAll(async () => {
    await receiver.start();
    receiver.responder = (request) => {
      const id = String(request.headers['webhook-id']);
      if (!seen.has(id)) {
        seen.add(id);
        if (seen.size % REFUSE_EVERY === 0) return { status: 503 };
      }
      if (!acceptedIds.has(id)) {
        acceptedIds.add(id);
        accepted.push(id);
        if (acceptedIds.size === TOTAL) allAccepted();
      }
      return { status: 200 };
    };
    dataSource = await openDatabase(env);
    await seedIntegration(dataSource, {
      tenantId: tenant,
      receiverUrl: receiver.url,
      eventTypes: ['registration.created'],
      fields: REGISTRATION_FIELDS,
      policy: { retry_schedule_s: [1, 1, 1, 1, 1], max_retries: 10 },
    });
  });

  afterAll(async () => {
    await Promise.all(processes.map((process) => process.stop('SIGKILL')));
    // Should the test fail with deliveries still queued, no later test's dispatcher (same
    // database) takes them up: a paused connection's deliveries are held, not sent.
    await dataSource?.query(
      `UPDATE connections SET paused_at = now(), paused_reason = 'test over' WHERE tenant_id = $1`,
      [tenant],
    );
    await dataSource?.destroy();
    await kafka.close();
    await receiver.stop();
  });

  async function start(services: string): Promise<ClusterProcess> {
    const process = new ClusterProcess(env, services);
    processes.push(process);
    await process.start();
    return process;
  }

  async function statusCounts(): Promise<Record<string, number>> {
    const rows = await dataSource.query<Array<{ status: string; count: number }>>(
      'SELECT status, count(*)::int AS count FROM deliveries WHERE tenant_id = $1 GROUP BY status',
      [tenant],
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.count]));
  }

  /** PostgreSQL has no event to await: polled, quickly and within a deadline. */
  async function untilAllSucceeded(timeoutMs: number): Promise<Record<string, number>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = await statusCounts();
      if (counts.succeeded === TOTAL || Date.now() > deadline) return counts;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Resolves with `promise`, or rejects after `timeoutMs` saying how far it got. */
  async function within(promise: Promise<void>, timeoutMs: number, progress: () => string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${progress()} within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  it('delivers every webhook-id, abandons nothing and keeps each subject in order', async () => {
    // One after the other: two processes creating the same topics at the same moment can make
    // one of them fail to start (the broker briefly does not host a partition just created).
    await start('ingest,flow-evaluator,mapper');
    const dispatcher = await start('dispatcher');
    const events = Array.from({ length: TOTAL }, (_, index) =>
      registrationEvent(tenant, `lead-${index % SUBJECTS}`, index),
    );
    for (let start = 0; start < TOTAL; start += 1_000)
      await kafka.produceJson(
        topics.of(Topic.Ingest),
        events.slice(start, start + 1_000).map((event) => ({ key: `${tenant}:${event.subject}`, value: event })),
      );

    await receiver.waitForCount(KILL_AT, 120_000);
    expect(await dispatcher.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    // The kill caught deliveries in the middle: some accepted, some waiting for a retry or held.
    expect(acceptedIds.size).toBeLessThan(TOTAL);
    const atKill = await statusCounts();
    expect((atKill.retrying ?? 0) + (atKill.held ?? 0) + (atKill.sending ?? 0)).toBeGreaterThan(0);

    await start('dispatcher');
    await within(everyDeliveryAccepted, 240_000, () => `${acceptedIds.size} of ${TOTAL} webhook-ids accepted`);
    await waitForPipelineDrained(kafka.kafka, topics, ['ingest', 'flow-evaluator', 'mapper', 'dispatcher']);

    // Every delivery was accepted; a webhook-id sent more than once carried the same body each time.
    expect(acceptedIds.size).toBe(TOTAL);
    const bodies = new Map<string, string>();
    const differing: string[] = [];
    for (const request of receiver.requests) {
      const id = String(request.headers['webhook-id']);
      const first = bodies.get(id);
      if (first === undefined) bodies.set(id, request.body);
      else if (first !== request.body) differing.push(id);
    }
    expect(differing).toEqual([]);
    expect(bodies.size).toBe(TOTAL);
    const sequences = new Set([...bodies.values()].map((body) => (JSON.parse(body) as Body).sequence));
    expect(sequences.size).toBe(TOTAL);

    // Per subject, each delivery's first 2xx came in event order.
    const acceptedSequences = new Map<string, number[]>();
    for (const id of accepted) {
      const body = JSON.parse(bodies.get(id)!) as Body;
      const lane = acceptedSequences.get(body.lead) ?? [];
      lane.push(body.sequence);
      acceptedSequences.set(body.lead, lane);
    }
    expect(acceptedSequences.size).toBe(SUBJECTS);
    const outOfOrder = [...acceptedSequences].filter(([, lane]) =>
      lane.some((sequence, i) => i > 0 && sequence < lane[i - 1]!),
    );
    expect(outOfOrder).toEqual([]);

    // Nothing of this tenant was dead-lettered, and PostgreSQL agrees: every delivery succeeded.
    // (A dispatcher's sweeper also takes up rows other tests left queued in the shared database,
    // so the topic may hold other tenants' records.)
    const dlq = topics.of(Topic.DeliveriesDlq);
    const deadLetters = await kafka.collect(dlq, await kafka.recordCount(dlq));
    expect(deadLetters.filter((record) => record.key?.startsWith(`${tenant}:`))).toEqual([]);
    expect(await untilAllSucceeded(30_000)).toEqual({ succeeded: TOTAL });
  }, 420_000);
});
