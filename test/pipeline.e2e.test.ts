import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { DLQ_HEADERS, Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, seedIntegration, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { startCluster, TestCluster } from './support/cluster';
import { waitForPipelineDrained } from './support/consumer-groups';
import { openDatabase } from './support/database';
import { expectedRegistrationBody, REGISTRATION_FIELDS, registrationEvent } from './support/events';

describe('an event produced to Kafka arrives as a mapped webhook', () => {
  const env = testEnvironment();
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const tenant = `tenant-${uniqueSuffix()}`;
  const receiver = new HttpReceiver();
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  let cluster: TestCluster;
  let dataSource: DataSource;

  beforeAll(async () => {
    await receiver.start();
    dataSource = await openDatabase(env);
    await seedIntegration(dataSource, {
      tenantId: tenant,
      receiverUrl: `${receiver.url}/hooks/crm`,
      eventTypes: ['registration.created'],
      fields: REGISTRATION_FIELDS,
      headers: { 'X-Company-ID': 'company_12345' },
    });
    cluster = await startCluster(env);
  });

  afterAll(async () => {
    await cluster?.close();
    await dataSource?.destroy();
    await kafka.close();
    await receiver.stop();
  });

  const drained = () => waitForPipelineDrained(kafka.kafka, topics);
  const sequencesSince = (before: number) =>
    receiver
      .bodies<{ lead: string; sequence: number }>()
      .slice(before)
      .map((body) => body.sequence);

  it('delivers 1,000 events for 50 subjects exactly once each, every subject in event order', async () => {
    const subjects = Array.from({ length: 50 }, (_, index) => `lead-${index}`);
    const events = [];
    for (let sequence = 1; sequence <= 20; sequence += 1) {
      for (const subject of subjects) events.push(registrationEvent(tenant, subject, sequence));
    }
    await kafka.produceJson(
      topics.of(Topic.Ingest),
      events.map((event) => ({ key: `${tenant}:${event.subject}`, value: event })),
    );

    await receiver.waitForCount(1000, 120_000);
    await drained();

    expect(receiver.requests).toHaveLength(1000);
    expect(new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size).toBe(1000);
    const bodies = receiver.bodies<ReturnType<typeof expectedRegistrationBody>>();
    for (const body of bodies) expect(body).toEqual(expectedRegistrationBody(body.lead, body.sequence));
    for (const subject of subjects) {
      const order = bodies.filter((body) => body.lead === subject).map((body) => body.sequence);
      expect(order).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    }
    const first = receiver.requests[0]!;
    expect(first.method).toBe('POST');
    expect(first.path).toBe('/hooks/crm');
    expect(first.headers).toMatchObject({
      'content-type': 'application/json',
      'x-company-id': 'company_12345',
      'user-agent': expect.stringMatching(/^Flowline\//),
      'webhook-id': expect.stringMatching(/^msg_/),
      'webhook-timestamp': expect.stringMatching(/^\d{10}$/),
    });
    const logged = await dataSource.query(
      `SELECT count(*)::int AS deliveries, count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded FROM deliveries WHERE tenant_id = $1`,
      [tenant],
    );
    expect(logged[0]).toEqual({ deliveries: 1000, succeeded: 1000 });
  });

  it('sends each kind of bad input to the invalid topic with its reason and delivers none of it', async () => {
    const key = `${tenant}:bad-input`;
    const valid = registrationEvent(tenant, 'bad-input', 1);
    const bad = [
      { name: 'not JSON', value: Buffer.from('{"id": "x", '), reason: /not JSON/ },
      { name: 'missing field', value: Buffer.from(JSON.stringify({ ...valid, id: undefined })), reason: /id must be/ },
      {
        name: 'wrong type',
        value: Buffer.from(JSON.stringify({ ...valid, id: 'wrong-type', data: 'text' })),
        reason: /data must be an object/,
      },
      {
        name: 'over 1 MiB',
        value: Buffer.from(JSON.stringify({ ...valid, id: 'too-large', data: { blob: 'x'.repeat(1024 * 1024) } })),
        reason: /over the limit of 1048576 bytes/,
      },
      { name: 'invalid UTF-8', value: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), reason: /not valid UTF-8/ },
    ];
    const before = receiver.requests.length;
    await kafka.produce(
      topics.of(Topic.Ingest),
      bad.map((item) => ({ key, value: item.value })),
    );
    // A valid event behind them on the same key (same partition) marks that they were handled.
    await kafka.produceJson(topics.of(Topic.Ingest), [{ key, value: valid }]);
    await receiver.waitForCount(before + 1);

    const invalid = await kafka.collect(topics.of(Topic.EventsInvalid), bad.length);
    expect(invalid).toHaveLength(bad.length);
    for (const item of bad) {
      const record = invalid.find((message) => message.value?.equals(item.value));
      expect(record).toBeDefined();
      expect(record!.key).toBe(key);
      expect(record!.headers[DLQ_HEADERS.error]).toMatch(item.reason);
      expect(record!.headers[DLQ_HEADERS.originalTopic]).toBe(topics.of(Topic.Ingest));
      expect(Number(record!.headers[DLQ_HEADERS.originalPartition])).toBeGreaterThanOrEqual(0);
      expect(record!.headers[DLQ_HEADERS.originalOffset]).toMatch(/^\d+$/);
    }
    await drained();
    expect(
      receiver.requests.slice(before).map((request) => (JSON.parse(request.body) as { lead: string }).lead),
    ).toEqual(['bad-input']);
    const metrics = await cluster.metrics.registry.getSingleMetricAsString('flowline_events_ingested_total');
    expect(metrics).toContain('flowline_events_ingested_total{outcome="invalid"} 5');
  });

  it('retries a failing receiver until it accepts, logging every attempt', async () => {
    const subject = 'flaky-lead';
    let failures = 0;
    receiver.responder = (request) => {
      const body = JSON.parse(request.body) as { lead: string };
      if (body.lead === subject && failures < 2) {
        failures += 1;
        return { status: 503 };
      }
      return { status: 200 };
    };
    const before = receiver.requests.length;
    await kafka.produceJson(topics.of(Topic.Ingest), [
      { key: `${tenant}:${subject}`, value: registrationEvent(tenant, subject, 1) },
    ]);
    await receiver.waitForCount(before + 3);
    await drained();
    receiver.responder = () => ({ status: 200 });

    const ids = receiver.requests.slice(before).map((request) => request.headers['webhook-id']);
    expect(new Set(ids).size).toBe(1);
    const [delivery] = await dataSource.query<Array<{ id: string; status: string; attempts: number }>>(
      'SELECT id, status, attempts FROM deliveries WHERE tenant_id = $1 AND subject = $2',
      [tenant, subject],
    );
    expect(delivery).toEqual({ id: ids[0], status: 'succeeded', attempts: 3 });
    const attempts = await dataSource.query<Array<{ status_code: number }>>(
      'SELECT status_code FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempted_at',
      [delivery!.id],
    );
    expect(attempts.map((attempt) => attempt.status_code)).toEqual([503, 503, 200]);
  });

  it('carries events near the 1 MiB limit through every hop', async () => {
    const subject = 'large-lead';
    const blob = 'x'.repeat(700 * 1024);
    const events = [1, 2, 3, 4].map((sequence) => registrationEvent(tenant, subject, sequence, { blob }));
    const before = receiver.requests.length;
    await kafka.produceJson(
      topics.of(Topic.Ingest),
      events.map((event) => ({ key: `${tenant}:${subject}`, value: event })),
    );
    await receiver.waitForCount(before + 4);
    expect(sequencesSince(before)).toEqual([1, 2, 3, 4]);
  });

  it('drops a duplicate event id, also after ingest restarts', async () => {
    const subject = 'dup-lead';
    const key = `${tenant}:${subject}`;
    const original = registrationEvent(tenant, subject, 1);
    const before = receiver.requests.length;
    await kafka.produceJson(topics.of(Topic.Ingest), [
      { key, value: original },
      { key, value: { ...original, data: { ...original.data, note: 'same id, sent again' } } },
      { key, value: registrationEvent(tenant, subject, 2) },
    ]);
    await receiver.waitForCount(before + 2);
    await drained();
    expect(sequencesSince(before)).toEqual([1, 2]);

    await cluster.close();
    cluster = await startCluster(env);
    await kafka.produceJson(topics.of(Topic.Ingest), [
      { key, value: original },
      { key, value: registrationEvent(tenant, subject, 3) },
    ]);
    await receiver.waitForCount(before + 3);
    await drained();
    expect(sequencesSince(before)).toEqual([1, 2, 3]);
  });
});
