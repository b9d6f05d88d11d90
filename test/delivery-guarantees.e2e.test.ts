import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { DLQ_HEADERS, Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { openDatabase } from './support/database';
import { eventually } from './support/eventually';
import { REGISTRATION_FIELDS, registrationEvent } from './support/events';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;

interface Attempt {
  attempted_at: Date;
  status_code: number | null;
  error: string | null;
}

interface DeliveryRow {
  id: string;
  status: string;
  attempts: number;
  retry_count: number;
  category: string | null;
}

/** A port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Delivery guarantees (docs/CONTRACT.md §8, issue 5) through the whole pipeline: real Kafka (retry
 * topics, DLQ), PostgreSQL (attempts, lanes, paused connections) and HTTP receivers. Each
 * scenario is a tenant of its own with one connection to its own path on the receiver.
 */
describe('delivery guarantees', () => {
  const env = testEnvironment({ FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  const receiver = new HttpReceiver();
  const responders = new Map<string, (path: string, index: number) => ReturnType<HttpReceiver['responder']>>();
  const tenants = new Map<string, { api: ApiClient; connectionId: string; flowId: string }>();
  let cluster: TestCluster;
  let dataSource: DataSource;
  let refusedPort: number;

  /** Each scenario's connection policy (docs/CONTRACT.md §4). */
  const scenarios: Record<string, Record<string, unknown>> = {
    ok: { max_retries: 2, retry_schedule_s: [1, 2] },
    unavailable: { max_retries: 2, retry_schedule_s: [1, 2] },
    throttled: { max_retries: 1, retry_schedule_s: [1] },
    slow: { max_retries: 1, retry_schedule_s: [1], timeout_ms: 300 },
    refused: { max_retries: 1, retry_schedule_s: [1] },
    redirect: { max_retries: 1, retry_schedule_s: [1] },
    rejected: { max_retries: 2, retry_schedule_s: [1, 2] },
    gone: { max_retries: 2, retry_schedule_s: [1, 2] },
    recovering: { max_retries: 5, retry_schedule_s: [1, 1, 1, 1, 1] },
    ordered: { max_retries: 3, retry_schedule_s: [1, 1, 1] },
    unordered: { max_retries: 3, retry_schedule_s: [1, 1, 1], ordering: 'none' },
    limited: { rate_limit_per_s: 5, max_in_flight: 2 },
    stalled: { max_in_flight: 1, timeout_ms: 10_000 },
    healthy: {},
    queued: { max_retries: 1, retry_schedule_s: [1] },
    waiting: { max_retries: 1, retry_schedule_s: [3600] },
  };

  const tenantOf = (scenario: string) => `${scenario}-${uniqueSuffix()}`;
  const names = new Map(Object.keys(scenarios).map((scenario) => [scenario, tenantOf(scenario)]));
  const tenant = (scenario: string) => names.get(scenario)!;
  const requestsOf = (scenario: string) => receiver.requests.filter((request) => request.path === `/${scenario}`);

  beforeAll(async () => {
    refusedPort = await closedPort();
    await receiver.start();
    receiver.responder = (request) => {
      const scenario = request.path.slice(1);
      const respond = responders.get(scenario);
      return respond ? respond(request.path, requestsOf(scenario).length) : { status: 200 };
    };
    dataSource = await openDatabase(env);
    // Configured through the API first; services load configuration when they start.
    cluster = await startCluster(env, ['api']);
    for (const [scenario, policy] of Object.entries(scenarios)) {
      const api = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, tenant(scenario));
      const url = scenario === 'refused' ? `http://127.0.0.1:${refusedPort}/refused` : `${receiver.url}/${scenario}`;
      const connection = await api.create('/connections', {
        name: scenario,
        url,
        rate_limit_per_s: 1000,
        max_in_flight: 32,
        ...policy,
      });
      const mapping = await api.create('/mappings', { name: 'registration', fields: REGISTRATION_FIELDS });
      const flow = await api.create('/flows', {
        name: scenario,
        source: { types: ['registration.created'] },
        destination: { connection_id: connection.id, payload_mapping_id: mapping.id },
      });
      tenants.set(scenario, { api, connectionId: connection.id, flowId: flow.id });
    }
    await cluster.close();
    cluster = await startCluster(env);
    for (const configured of tenants.values()) configured.api = configured.api.at(cluster.url);
  });

  afterAll(async () => {
    await cluster?.close();
    await dataSource?.destroy();
    await kafka.close();
    await receiver.stop();
  });

  const produce = (scenario: string, subject: string, sequences: number[]) =>
    kafka.produceJson(
      topics.of(Topic.Ingest),
      sequences.map((sequence) => ({
        key: `${tenant(scenario)}:${subject}`,
        value: registrationEvent(tenant(scenario), subject, sequence),
      })),
    );

  const deliveryOf = (scenario: string, subject: string, status?: string) =>
    eventually(`a delivery of ${scenario}/${subject}${status ? ` ${status}` : ''}`, async () => {
      const [row] = await dataSource.query<DeliveryRow[]>(
        `SELECT id, status, attempts, retry_count, category FROM deliveries WHERE tenant_id = $1 AND subject = $2`,
        [tenant(scenario), subject],
      );
      return row && (status === undefined || row.status === status) ? row : undefined;
    });

  const attemptsOf = (id: string) =>
    dataSource.query<Attempt[]>(
      'SELECT attempted_at, status_code, error FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempted_at',
      [id],
    );

  /** Every delivery of the scenario ends `succeeded` (their rows are written just after the requests). */
  const allSucceeded = (scenario: string, count: number) =>
    eventually(`${count} deliveries of ${scenario} succeeded`, async () => {
      const rows = await dataSource.query<Array<{ status: string }>>(
        'SELECT status FROM deliveries WHERE tenant_id = $1',
        [tenant(scenario)],
      );
      return rows.length === count && rows.every((row) => row.status === 'succeeded') ? true : undefined;
    });

  /** The dead letter of a tenant's subject, read from the DLQ topic. */
  async function deadLetterOf(scenario: string, subject: string) {
    const key = `${tenant(scenario)}:${subject}`;
    const consumer = kafka.kafka.consumer({ groupId: `dlq-reader-${uniqueSuffix()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: topics.of(Topic.DeliveriesDlq), fromBeginning: true });
    try {
      return await new Promise<Record<string, string>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no dead letter for ${key}`)), 60_000);
        void consumer.run({
          eachMessage: ({ message }) => {
            if (message.key?.toString() === key) {
              clearTimeout(timer);
              const headers: Record<string, string> = {};
              for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
              resolve(headers);
            }
            return Promise.resolve();
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
  }

  /** Gaps between attempts, in ms, and the retry schedule they must follow (±10 % jitter, plus pickup). */
  function expectGaps(attempts: Attempt[], scheduleS: number[]): void {
    const gaps = attempts.slice(1).map((attempt, index) => +attempt.attempted_at - +attempts[index]!.attempted_at);
    expect(gaps).toHaveLength(scheduleS.length);
    gaps.forEach((gap, index) => {
      expect(gap).toBeGreaterThanOrEqual(scheduleS[index]! * 900);
      expect(gap).toBeLessThan(scheduleS[index]! * 1100 + 2500);
    });
  }

  describe('each row of the outcome table', () => {
    it('2xx: delivered at the first attempt', async () => {
      await produce('ok', 'lead', [1]);
      const delivery = await deliveryOf('ok', 'lead', 'succeeded');
      expect(delivery).toMatchObject({ attempts: 1, retry_count: 0 });
      expect(requestsOf('ok')).toHaveLength(1);
    });

    it('5xx: retried on the schedule, then abandoned to the DLQ with its attempt count', async () => {
      responders.set('unavailable', () => ({ status: 503 }));
      await produce('unavailable', 'lead', [1]);
      const delivery = await deliveryOf('unavailable', 'lead', 'abandoned');
      const attempts = await attemptsOf(delivery.id);
      expect(attempts.map((attempt) => attempt.status_code)).toEqual([503, 503, 503]);
      expectGaps(attempts, [1, 2]);
      expect(new Set(requestsOf('unavailable').map((request) => request.headers['webhook-id']))).toEqual(
        new Set([delivery.id]),
      );
      const headers = await deadLetterOf('unavailable', 'lead');
      expect(headers).toMatchObject({
        [DLQ_HEADERS.originalTopic]: topics.of(Topic.Deliveries),
        [DLQ_HEADERS.error]: 'HTTP 503',
        [DLQ_HEADERS.category]: 'system',
        [DLQ_HEADERS.attempts]: '3',
      });
      expect(Number(headers[DLQ_HEADERS.originalOffset])).toBeGreaterThanOrEqual(0);
    });

    it('429: Retry-After is honoured over a shorter schedule', async () => {
      responders.set('throttled', (_path, index) =>
        index === 0 ? { status: 429, headers: { 'retry-after': '3' } } : { status: 200 },
      );
      await produce('throttled', 'lead', [1]);
      const delivery = await deliveryOf('throttled', 'lead', 'succeeded');
      const attempts = await attemptsOf(delivery.id);
      expect(attempts.map((attempt) => attempt.status_code)).toEqual([429, 200]);
      expectGaps(attempts, [3]);
    });

    it('timeout: retried, then delivered', async () => {
      responders.set('slow', (_path, index) => (index === 0 ? { status: 200, delayMs: 2_000 } : { status: 200 }));
      await produce('slow', 'lead', [1]);
      const delivery = await deliveryOf('slow', 'lead', 'succeeded');
      const attempts = await attemptsOf(delivery.id);
      expect(attempts[0]).toMatchObject({ status_code: null, error: expect.stringMatching(/timeout/) });
      expect(attempts[1]).toMatchObject({ status_code: 200 });
    });

    it('connection error: retried, then abandoned with category connection', async () => {
      await produce('refused', 'lead', [1]);
      const delivery = await deliveryOf('refused', 'lead', 'abandoned');
      expect(delivery.category).toBe('connection');
      const attempts = await attemptsOf(delivery.id);
      expect(attempts).toHaveLength(2);
      expectGaps(attempts, [1]);
      expect(await deadLetterOf('refused', 'lead')).toMatchObject({
        [DLQ_HEADERS.category]: 'connection',
        [DLQ_HEADERS.attempts]: '2',
      });
    });

    it('3xx: a failure that is retried, the redirect never followed', async () => {
      responders.set('redirect', () => ({ status: 302, headers: { location: '/elsewhere' } }));
      await produce('redirect', 'lead', [1]);
      const delivery = await deliveryOf('redirect', 'lead', 'abandoned');
      expect(delivery).toMatchObject({ attempts: 2, category: 'config' });
      expect(receiver.requests.some((request) => request.path === '/elsewhere')).toBe(false);
    });

    it('other 4xx: failed at once, no retry, dead-lettered', async () => {
      responders.set('rejected', () => ({ status: 400 }));
      await produce('rejected', 'lead', [1]);
      const delivery = await deliveryOf('rejected', 'lead', 'failed');
      expect(delivery).toMatchObject({ attempts: 1, retry_count: 0, category: 'general' });
      expect(await deadLetterOf('rejected', 'lead')).toMatchObject({
        [DLQ_HEADERS.error]: 'HTTP 400',
        [DLQ_HEADERS.category]: 'general',
        [DLQ_HEADERS.attempts]: '1',
      });
      expect(requestsOf('rejected')).toHaveLength(1);
    });

    it('410: failed, the connection paused and its next deliveries held until an operator resumes it', async () => {
      const { api, connectionId } = tenants.get('gone')!;
      responders.set('gone', (_path, index) => (index === 0 ? { status: 410 } : { status: 200 }));
      await produce('gone', 'first', [1]);
      await deliveryOf('gone', 'first', 'failed');
      const paused = await api.call<{ paused: { at: string; reason: string } | null }>(
        'GET',
        `/connections/${connectionId}`,
      );
      expect(paused.body.paused).toMatchObject({ reason: 'HTTP 410: endpoint gone' });
      const metrics = await (await fetch(`${cluster.url}/metrics`)).text();
      expect(metrics).toContain(
        `flowline_connection_paused{tenant="${tenant('gone')}",connection="${connectionId}"} 1`,
      );

      await produce('gone', 'second', [1]);
      const held = await deliveryOf('gone', 'second', 'held');
      expect(requestsOf('gone')).toHaveLength(1);

      expect((await api.call('POST', `/connections/${connectionId}/resume`)).status).toBe(200);
      await receiver.waitForCount(receiver.requests.length + 1);
      await deliveryOf('gone', 'second', 'succeeded');
      expect(requestsOf('gone').map((request) => request.headers['webhook-id'])).toEqual([expect.any(String), held.id]);
    });
  });

  it('a receiver failing for a while, then recovering, gets exactly one successful delivery', async () => {
    responders.set('recovering', (_path, index) => ({ status: index < 4 ? 503 : 200 }));
    await produce('recovering', 'lead', [1]);
    const delivery = await deliveryOf('recovering', 'lead', 'succeeded');
    expect(delivery).toMatchObject({ attempts: 5, retry_count: 4 });
    const requests = requestsOf('recovering');
    expect(requests).toHaveLength(5);
    expect(new Set(requests.map((request) => request.headers['webhook-id']))).toEqual(new Set([delivery.id]));
    expectGaps(await attemptsOf(delivery.id), [1, 1, 1, 1]);
  });

  describe('order', () => {
    /** Subject `a`'s first delivery fails twice; the rest of `a` and all of `b` come right behind it. */
    async function runOrderScenario(scenario: 'ordered' | 'unordered') {
      let aFirstFailures = 0;
      responders.set(scenario, () => ({ status: 200 }));
      receiver.responder = ((previous) => (request, index) => {
        if (request.path === `/${scenario}`) {
          const body = JSON.parse(request.body) as { lead: string; sequence: number };
          if (body.lead === 'a' && body.sequence === 1 && aFirstFailures < 2) {
            aFirstFailures += 1;
            return { status: 503 };
          }
          return { status: 200 };
        }
        return previous(request, index);
      })(receiver.responder);
      await produce(scenario, 'a', [1, 2, 3, 4, 5]);
      await produce(scenario, 'b', [1, 2, 3, 4, 5]);
      await eventually('every delivery of a and b delivered', () =>
        requestsOf(scenario).length >= 12 ? true : undefined,
      );
      const received = requestsOf(scenario).map((request) => {
        const body = JSON.parse(request.body) as { lead: string; sequence: number };
        return `${body.lead}${body.sequence}`;
      });
      const firstSuccessOfA1 = received.lastIndexOf('a1');
      return { received, firstSuccessOfA1 };
    }

    it('per_subject: a subject waits behind its retried delivery, other subjects do not', async () => {
      const { received, firstSuccessOfA1 } = await runOrderScenario('ordered');
      expect(received.filter((item) => item.startsWith('a'))).toEqual(['a1', 'a1', 'a1', 'a2', 'a3', 'a4', 'a5']);
      // b was not held: all of it arrived while a1 was still waiting for its retries.
      const bArrivals = received.flatMap((item, index) => (item.startsWith('b') ? [index] : []));
      expect(received.filter((item) => item.startsWith('b'))).toEqual(['b1', 'b2', 'b3', 'b4', 'b5']);
      expect(Math.max(...bArrivals)).toBeLessThan(firstSuccessOfA1);
      await allSucceeded('ordered', 10);
    });

    it('none: later deliveries of the subject are not held behind a retry', async () => {
      const { received, firstSuccessOfA1 } = await runOrderScenario('unordered');
      expect(received.filter((item) => item === 'a1')).toHaveLength(3);
      for (const later of ['a2', 'a3', 'a4', 'a5']) expect(received.indexOf(later)).toBeLessThan(firstSuccessOfA1);
    });
  });

  describe('protection of receivers', () => {
    it('keeps to rate_limit_per_s and max_in_flight, delivering everything once', async () => {
      receiver.maxInFlight = 0;
      responders.set('limited', () => ({ status: 200, delayMs: 100 }));
      const subjects = Array.from({ length: 20 }, (_, index) => `lead-${index}`);
      for (const subject of subjects) await produce('limited', subject, [1]);
      await eventually('20 limited deliveries', () => (requestsOf('limited').length >= 20 ? true : undefined));
      const requests = requestsOf('limited');
      expect(new Set(requests.map((request) => request.headers['webhook-id'])).size).toBe(20);
      // 5/s with a burst of 5: the last of 20 cannot come before (20 - 5) / 5 = 3 s after the first.
      const span = requests[requests.length - 1]!.receivedAt - requests[0]!.receivedAt;
      expect(span).toBeGreaterThanOrEqual(2_900);
      expect(receiver.maxInFlight).toBeLessThanOrEqual(2);
      await allSucceeded('limited', 20);
    });

    it('a slow endpoint does not hold up deliveries to a healthy one', async () => {
      responders.set('stalled', () => ({ status: 200, delayMs: 2_000 }));
      const answeredBefore = receiver.answered;
      const stalledSubjects = Array.from({ length: 10 }, (_, index) => `slow-${index}`);
      const healthySubjects = Array.from({ length: 100 }, (_, index) => `fast-${index}`);
      for (const subject of stalledSubjects) await produce('stalled', subject, [1]);
      for (const subject of healthySubjects) await produce('healthy', subject, [1]);
      await eventually('100 healthy deliveries', () => (requestsOf('healthy').length >= 100 ? true : undefined));
      // One stalled request at a time, 2 s each: the ten take 20 s. The healthy ones did not wait for them.
      const stalledAnswered = receiver.answered - answeredBefore - 100;
      expect(stalledAnswered).toBeLessThan(5);
      await eventually('10 stalled deliveries', () => (requestsOf('stalled').length >= 10 ? true : undefined));
    });
  });

  describe('the retry queue', () => {
    it('lists an abandoned delivery as failed, and a submit delivers it (done)', async () => {
      const { api } = tenants.get('queued')!;
      responders.set('queued', () => ({ status: 503 }));
      await produce('queued', 'lead', [1]);
      const delivery = await deliveryOf('queued', 'lead', 'abandoned');
      const listed = await api.call<{ items: Array<{ id: string; status: string; category: string }> }>(
        'GET',
        '/retry-queue?status=failed&category=system&integration=webhook',
      );
      expect(listed.body.items).toEqual([expect.objectContaining({ id: delivery.id, status: 'failed' })]);

      responders.set('queued', () => ({ status: 200 }));
      const submitted = await api.call('POST', `/retry-queue/${delivery.id}/submit`);
      expect(submitted).toEqual({ status: 202, body: { id: delivery.id, status: 'submitted' } });
      // An impatient second click: still one attempt (202 if it came first, 409 once delivered).
      expect([202, 409]).toContain((await api.call('POST', `/retry-queue/${delivery.id}/submit`)).status);
      await deliveryOf('queued', 'lead', 'succeeded');
      const item = await api.call<{ status: string }>('GET', `/retry-queue/${delivery.id}`);
      expect(item.body.status).toBe('done');
      expect(requestsOf('queued').map((request) => request.headers['webhook-id'])).toEqual(Array(3).fill(delivery.id));
    });

    it("a submit attempts a waiting delivery at once, ahead of its retry, and releases its subject's held ones", async () => {
      const { api } = tenants.get('waiting')!;
      responders.set('waiting', (_path, index) => ({ status: index === 0 ? 503 : 200 }));
      await produce('waiting', 'lead', [1]);
      const first = await eventually('the first delivery waiting an hour for its retry', async () => {
        const [row] = await dataSource.query<DeliveryRow[]>(
          `SELECT id, status, attempts, retry_count, category FROM deliveries
            WHERE tenant_id = $1 AND status = 'retrying'`,
          [tenant('waiting')],
        );
        return row;
      });
      await produce('waiting', 'lead', [2]);
      await eventually('the second delivery held behind the first', async () => {
        const rows = await dataSource.query<Array<{ status: string }>>(
          `SELECT status FROM deliveries WHERE tenant_id = $1 AND status = 'held'`,
          [tenant('waiting')],
        );
        return rows.length === 1 ? true : undefined;
      });
      const waiting = await api.call<{ items: Array<{ id: string }> }>('GET', '/retry-queue?status=retry');
      expect(waiting.body.items.map((item) => item.id).sort()).toHaveLength(2);

      expect((await api.call('POST', `/retry-queue/${first.id}/submit`)).status).toBe(202);
      await eventually('both delivered', () => (requestsOf('waiting').length >= 3 ? true : undefined));
      const sequences = requestsOf('waiting').map(
        (request) => (JSON.parse(request.body) as { sequence: number }).sequence,
      );
      expect(sequences).toEqual([1, 1, 2]);
      await allSucceeded('waiting', 2);
    });
  });
});
