import { Partitioners } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { DLQ_HEADERS, MAX_DELIVERY_BYTES, MAX_JSON_DEPTH, Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, seedIntegration, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { waitForPipelineDrained } from './support/consumer-groups';
import { openDatabase } from './support/database';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;
const PARTITIONS = 3;

/** The partition Flowline's producer (and any Java-compatible client) puts a key in. */
const partitioner = Partitioners.DefaultPartitioner();
function partitionOf(key: string): number {
  return partitioner({
    topic: 'any',
    partitionMetadata: Array.from({ length: PARTITIONS }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    })),
    message: { key, value: null },
  });
}

/**
 * Issue 9: what one tenant sends, however hostile, must not stop, slow or lose another tenant's
 * events. Every service runs in this process against the real broker, PostgreSQL and an HTTP
 * receiver; a consumer crash (which would exit a real process) is recorded in `cluster.crashes`.
 */
describe('hostile input never stops the pipeline (issue 9)', () => {
  const env = testEnvironment({
    FLOWLINE_PARTITIONS: String(PARTITIONS),
    FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWLINE_SECRET_KEY: `key-${uniqueSuffix()}`.repeat(4),
  });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const receiver = new HttpReceiver();
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  // Tenant A's mapping blows a small event up; tenant B's is ordinary.
  const tenantA = `amp-a-${uniqueSuffix()}`;
  const tenantB = `amp-b-${uniqueSuffix()}`;
  let cluster: TestCluster;
  let dataSource: DataSource;
  let api: ApiClient;

  const event = (tenant: string, subject: string, id: string, data: Record<string, unknown>) => ({
    id,
    tenant,
    type: 'amp.test',
    subject,
    time: '2025-01-10T09:00:00Z',
    data,
  });
  const drained = () => waitForPipelineDrained(kafka.kafka, topics);
  const bodiesSince = (before: number) => receiver.bodies<Record<string, unknown>>().slice(before);

  beforeAll(async () => {
    await receiver.start();
    dataSource = await openDatabase(env);
    await seedIntegration(dataSource, {
      tenantId: tenantA,
      receiverUrl: `${receiver.url}/hooks/a`,
      eventTypes: ['amp.test'],
      // The reproduction: "{{a}}" 2,000 times.
      fields: [{ target: 'a', template: '{{a}}'.repeat(2_000) }],
    });
    await seedIntegration(dataSource, {
      tenantId: tenantB,
      receiverUrl: `${receiver.url}/hooks/b`,
      eventTypes: ['amp.test'],
      fields: [
        { target: 'tenant', source: '$tenant' },
        { target: 'lead', source: '$subject' },
        { target: 'id', source: '$id' },
      ],
    });
    cluster = await startCluster(env);
    api = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, `amp-c-${uniqueSuffix()}`);
  });

  afterAll(async () => {
    await cluster?.close();
    await dataSource?.destroy();
    await kafka.close();
    await receiver.stop();
  });

  afterEach(() => {
    // The mapper, ingest and every other consumer kept running: a real process would have exited.
    expect(cluster.crashes).toEqual([]);
  });

  it("dead-letters tenant A's amplified delivery (validation) and delivers tenant B's event behind it", async () => {
    const keyA = `${tenantA}:amp-lead`;
    // B's subject shares A's partition, so B's action waits behind A's in the mapper's partition.
    const subjectB = Array.from({ length: 50 }, (_, index) => `lead-${index}`).find(
      (subject) => partitionOf(`${tenantB}:${subject}`) === partitionOf(keyA),
    )!;
    const before = receiver.requests.length;
    await kafka.produceJson(topics.of(Topic.Ingest), [
      // 5,000 characters × 2,000: 10 MB, over the 8 MiB record limit.
      { key: keyA, value: event(tenantA, 'amp-lead', 'amp-1', { a: 'x'.repeat(5_000) }) },
      { key: `${tenantB}:${subjectB}`, value: event(tenantB, subjectB, 'b-1', {}) },
    ]);

    const [deadLetter] = await kafka.collect(topics.of(Topic.DeliveriesDlq), 1);
    expect(deadLetter!.key).toBe(keyA);
    expect(deadLetter!.headers[DLQ_HEADERS.category]).toBe('validation');
    expect(deadLetter!.headers[DLQ_HEADERS.originalTopic]).toBe(topics.of(Topic.Actions));
    expect(deadLetter!.headers[DLQ_HEADERS.error]).toMatch(
      new RegExp(
        `^a: the template expands to at least \\d+ bytes, more than the ${MAX_DELIVERY_BYTES} bytes left of the ${MAX_DELIVERY_BYTES} bytes a rendered output may have$`,
      ),
    );
    // The dead letter keeps the action itself (the event that made it), not a 10 MB body.
    expect(JSON.parse(deadLetter!.value!.toString())).toMatchObject({ tenant: tenantA, event: { id: 'amp-1' } });

    await receiver.waitForCount(before + 1);
    await drained();
    expect(bodiesSince(before)).toEqual([{ tenant: tenantB, lead: subjectB, id: 'b-1' }]);

    // Logged as a failed delivery like any validation failure, and counted.
    const rows = await dataSource.query<
      Array<{ status: string; category: string; attempts: number; last_error: string }>
    >('SELECT status, category, attempts, last_error FROM deliveries WHERE tenant_id = $1', [tenantA]);
    expect(rows).toEqual([
      { status: 'failed', category: 'validation', attempts: 0, last_error: deadLetter!.headers[DLQ_HEADERS.error] },
    ]);
    const metrics = await cluster.metrics.registry.getSingleMetricAsString('flowline_dead_letters_total');
    expect(metrics).toContain('flowline_dead_letters_total{category="validation"} 1');

    // The partition moved on for good: B's next event on it arrives too.
    await kafka.produceJson(topics.of(Topic.Ingest), [
      { key: `${tenantB}:${subjectB}`, value: event(tenantB, subjectB, 'b-2', {}) },
    ]);
    await receiver.waitForCount(before + 2);
    expect(bodiesSince(before).map((body) => body.id)).toEqual(['b-1', 'b-2']);
  });

  it('calls an event nested 8,000 deep invalid (too deep) and goes on with the next one', async () => {
    const subject = 'deep-lead';
    const key = `${tenantB}:${subject}`;
    const head = JSON.stringify(event(tenantB, subject, 'deep-1', {})).replace(/"data":\{\}\}$/, '"data":');
    const deep = Buffer.from(`${head}${'{"a":'.repeat(8_000)}1${'}'.repeat(8_001)}`);
    const before = receiver.requests.length;
    await kafka.produce(topics.of(Topic.Ingest), [{ key, value: deep }]);
    await kafka.produceJson(topics.of(Topic.Ingest), [{ key, value: event(tenantB, subject, 'deep-2', {}) }]);
    await receiver.waitForCount(before + 1);
    await drained();
    expect(bodiesSince(before).map((body) => body.id)).toEqual(['deep-2']);
    const invalid = (await kafka.collect(topics.of(Topic.EventsInvalid), 1)).find((record) =>
      record.value?.equals(deep),
    );
    expect(invalid?.headers[DLQ_HEADERS.error]).toBe(
      `event nests objects and lists more than ${MAX_JSON_DEPTH} levels deep`,
    );
    expect(invalid?.headers[DLQ_HEADERS.category]).toBe('validation');
  });

  it('sets an invalid record with a key larger than a record may be aside, and goes on with the partition', async () => {
    // 3 MiB of bytes that are not UTF-8, read as text, is a key of 9 MiB of U+FFFD: the invalid
    // record keeping it was refused by the producer on every retry, and ingest's partition stopped
    // (review of session 20).
    const subject = 'huge-key-lead';
    const hugeKey = Buffer.alloc(3 * 1024 * 1024, 0xff);
    const before = receiver.requests.length;
    await kafka.produce(topics.of(Topic.Ingest), [{ key: hugeKey, value: 'not json', partition: 0 }]);
    await kafka.produce(topics.of(Topic.Ingest), [
      {
        key: `${tenantB}:${subject}`,
        value: JSON.stringify(event(tenantB, subject, 'after-huge-key', {})),
        partition: 0,
      },
    ]);
    await receiver.waitForCount(before + 1);
    expect(bodiesSince(before).map((body) => body.id)).toEqual(['after-huge-key']);
    // Produced with the event after it, so there by the time its webhook came; read them all.
    const invalidTopic = topics.of(Topic.EventsInvalid);
    const invalid = (await kafka.collect(invalidTopic, await kafka.recordCount(invalidTopic))).find(
      (record) => record.value?.toString() === 'not json',
    );
    expect(invalid?.key).toMatch(/^oversized-key:sha256:[0-9a-f]{64}$/);
    expect(invalid?.headers[DLQ_HEADERS.error]).toMatch(/replaced by its SHA-256\)$/);
  });

  it('refuses a lone surrogate or NUL at the door, before anything is stored or de-duplicated', async () => {
    const subject = 'odd-text';
    const key = `${tenantB}:${subject}`;
    // As raw JSON text: the escape is what a producer sends, and what JSON.parse makes a lone surrogate of.
    const loneId = Buffer.from(
      JSON.stringify(event(tenantB, subject, 'p-SURROGATE', {})).replace('SURROGATE', '\\ud800'),
    );
    const nulInData = Buffer.from(JSON.stringify(event(tenantB, subject, 'nul-1', { note: 'a\u0000b' })));
    const before = receiver.requests.length;
    await kafka.produce(topics.of(Topic.Ingest), [
      { key, value: loneId },
      { key, value: nulInData },
    ]);
    // What PostgreSQL would have stored for "p-\ud800" (U+FFFD): a distinct id, delivered, not a duplicate.
    await kafka.produceJson(topics.of(Topic.Ingest), [{ key, value: event(tenantB, subject, 'p-\ufffd', {}) }]);
    await receiver.waitForCount(before + 1);
    await drained();
    expect(bodiesSince(before).map((body) => body.id)).toEqual(['p-\ufffd']);

    // Every invalid record so far: the earlier cases' too.
    const invalidTopic = topics.of(Topic.EventsInvalid);
    const invalid = await kafka.collect(invalidTopic, await kafka.recordCount(invalidTopic));
    const reasonOf = (value: Buffer) =>
      invalid.find((record) => record.value?.equals(value))?.headers[DLQ_HEADERS.error];
    expect(reasonOf(loneId)).toMatch(/^id must not hold a NUL character \(\\u0000\) or a lone UTF-16 surrogate/);
    expect(reasonOf(nulInData)).toMatch(/^data\.note must not hold a NUL character/);
    const remembered = await dataSource.query<Array<{ event_id: string }>>(
      'SELECT event_id FROM processed_events WHERE tenant_id = $1 AND event_id LIKE $2',
      [tenantB, 'p-%'],
    );
    expect(remembered).toEqual([{ event_id: 'p-\ufffd' }]);
  });

  it('answers POST /events with 400 for a lone surrogate in an id or subject, and produces nothing', async () => {
    const ingested = await kafka.recordCount(topics.of(Topic.Ingest));
    const lone = { id: 'p-\ud800', type: 'amp.test', subject: 's', time: '2025-01-10T09:00:00Z', data: {} };
    const answer = await api.call<{ message: string[] }>('POST', '/events', [
      lone,
      { ...lone, id: 'ok-1', subject: 'lead-\udc00' },
    ]);
    expect(answer.status).toBe(400);
    expect(answer.body.message).toEqual([
      expect.stringMatching(/^\[0\]\.id must not contain a lone UTF-16 surrogate/),
      expect.stringMatching(/^\[1\]\.subject must not contain a lone UTF-16 surrogate/),
    ]);
    expect(await kafka.recordCount(topics.of(Topic.Ingest))).toBe(ingested);
  });

  it("answers the preview's amplification (6,000 × {{a}} over 51,200 characters) with 400, quickly", async () => {
    const started = Date.now();
    const answer = await api.call<{ message: string[] }>('POST', '/mappings/preview', {
      mapping: { fields: [{ target: 'a', template: '{{a}}'.repeat(6_000) }] },
      event: {
        id: 'p-1',
        type: 'amp.test',
        subject: 's',
        time: '2025-01-10T09:00:00Z',
        data: { a: 'x'.repeat(51_200) },
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toEqual([
      expect.stringMatching(/^mapping: a: the template expands to at least \d+ bytes, more than the \d+ bytes left/),
    ]);
    // It took 7 s and 307 MB before.
    expect(Date.now() - started).toBeLessThan(2_000);
    // An ordinary preview still renders.
    const ordinary = await api.call('POST', '/mappings/preview', {
      mapping: { fields: [{ target: 'a', template: '{{a}}-{{a}}' }] },
      event: { id: 'p-2', type: 'amp.test', subject: 's', time: '2025-01-10T09:00:00Z', data: { a: 'x' } },
    });
    expect(ordinary).toEqual({ status: 200, body: { payload: { a: 'x-x' }, headers: {}, errors: [] } });
  });
});
