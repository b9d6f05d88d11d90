import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { waitForPipelineDrained } from './support/consumer-groups';
import { openDatabase } from './support/database';
import { registrationEvent } from './support/events';
import { subjectMentions } from './support/subject-mentions';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;

interface Erasure {
  id: string;
  erased_at: string;
  counts: Record<string, number>;
}

/**
 * `DELETE /subjects/{subject}` (docs/CONTRACT.md §15) after real traffic: events through Kafka, flows and a
 * sequence trigger delivering to a real receiver (one connection refusing, so a stored delivery
 * record is kept). The check reads every column of every table, so a table added later is
 * covered without changing this test.
 */
describe('subject erasure', () => {
  const env = testEnvironment({
    FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWLINE_SECRET_KEY: `erasure-${uniqueSuffix()}`.repeat(4),
  });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const receiver = new HttpReceiver();
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  const tenant = `erasure-${uniqueSuffix()}`;
  const other = `erasure-other-${uniqueSuffix()}`;
  // Subjects as producers send them: email addresses, embedded in event ids by `registrationEvent`.
  const alice = `alice-${uniqueSuffix()}@example.com`;
  const bob = `bob-${uniqueSuffix()}@example.com`;
  let cluster: TestCluster;
  let dataSource: DataSource;
  let api: ApiClient;
  let otherApi: ApiClient;

  const configure = async (client: ApiClient, withSequence: boolean) => {
    const mapping = await client.create('/mappings', {
      name: 'lead',
      fields: [
        { target: 'lead', source: '$subject' },
        { target: 'email', source: 'profile.email' },
        { target: 'name', source: 'profile.first_name' },
      ],
    });
    for (const [name, path] of [
      ['CRM', 'crm'],
      ['Strict CRM', 'strict'],
    ] as const) {
      const connection = await client.create('/connections', { name, url: `${receiver.url}/${path}` });
      await client.create('/flows', {
        name,
        source: { types: ['registration.created'] },
        destination: { connection_id: connection.id, payload_mapping_id: mapping.id },
      });
    }
    if (withSequence)
      await client.create('/sequences', {
        name: 'registered and attended',
        event_types: ['registration.created', 'event.ended'],
        window_seconds: 7 * 24 * 3600,
        webhook_url: `${receiver.url}/sequence`,
      });
  };

  beforeAll(async () => {
    // The strict connection refuses every request for good: the delivery record stays stored.
    receiver.responder = (request) => (request.path.startsWith('/strict') ? { status: 400 } : { status: 200 });
    await receiver.start();
    dataSource = await openDatabase(env);
    cluster = await startCluster(env, ['api']);
    api = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, tenant);
    otherApi = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, other);
    await configure(api, true);
    await configure(otherApi, false);
    await cluster.close();
    cluster = await startCluster(env);
    api = api.at(cluster.url);
    otherApi = otherApi.at(cluster.url);

    const events = [
      registrationEvent(tenant, alice, 1),
      { ...registrationEvent(tenant, alice, 2), type: 'event.ended' }, // completes the sequence
      registrationEvent(tenant, bob, 3), // bob's sequence stays open
      registrationEvent(other, alice, 4), // the other tenant's subject of the same name
    ];
    await kafka.produceJson(
      topics.of(Topic.Ingest),
      events.map((event) => ({ key: `${event.tenant}:${event.subject}`, value: event })),
    );
    // alice: CRM, strict, sequence; bob: CRM, strict; the other tenant's alice: CRM, strict.
    await receiver.waitForCount(7);
    await waitForPipelineDrained(kafka.kafka, topics);
  });

  afterAll(async () => {
    await cluster?.close();
    await dataSource?.destroy();
    await kafka.close();
    await receiver.stop();
  });

  it("removes every row mentioning the subject in the tenant's data, and nothing of other subjects or tenants", async () => {
    const before = {
      alice: await subjectMentions(dataSource, tenant, alice),
      bob: await subjectMentions(dataSource, tenant, bob),
      otherAlice: await subjectMentions(dataSource, other, alice),
    };
    // The traffic reached every class the erasure covers (so the check below can fail).
    expect(Object.keys(before.alice)).toEqual(
      expect.arrayContaining([
        'deliveries.subject',
        'deliveries.event_id',
        'deliveries.message',
        'sequence_state.lead',
        'sequence_events.lead',
        'sequence_events.events',
        'processed_events.event_id',
        'processed_events.subject_digest',
        'insights_hourly_subjects.subject_digest',
      ]),
    );
    const period = `/insights?from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`;
    const insightsBefore = await api.call('GET', period);

    const erased = await api.call<Erasure>('DELETE', `/subjects/${encodeURIComponent(alice)}`);

    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      erased_at: expect.any(String),
      counts: {
        deliveries: 3, // CRM, strict, sequence webhook
        delivery_attempts: 3,
        sequence_state: 1, // the fired latch
        sequence_events: 1,
        dedupe_entries: 2,
        insights_subject_keys: 1,
        replays_redacted: 0,
      },
    });
    expect(await subjectMentions(dataSource, tenant, alice)).toEqual({});
    expect(await subjectMentions(dataSource, tenant, bob)).toEqual(before.bob);
    expect(await subjectMentions(dataSource, other, alice)).toEqual(before.otherAlice);
    // Every figure stays: unique registrations count the erased subject under a key that no longer
    // names it, and its deliveries were folded into the hourly counters.
    expect(await api.call('GET', period)).toEqual(insightsBefore);
    expect(insightsBefore.body).toMatchObject({
      unique_registrations: 2,
      deliveries_succeeded: 3,
      deliveries_failed: 2,
    });
    expect((await api.call<{ deliveries: unknown[] }>('GET', '/deliveries')).body.deliveries).toHaveLength(2);
    expect((await otherApi.call<{ deliveries: unknown[] }>('GET', '/deliveries')).body.deliveries).toHaveLength(2);

    // The audit row: the tenant, when, the counts; not the subject (checked above with every table).
    const audit = await dataSource.query<Array<{ tenant_id: string; counts: unknown }>>(
      'SELECT tenant_id, counts FROM subject_erasures WHERE id = $1',
      [erased.body.id],
    );
    expect(audit).toEqual([{ tenant_id: tenant, counts: erased.body.counts }]);
  });

  it('answers zero counts for a subject it holds nothing of, and audits that too', async () => {
    const erased = await api.call<Erasure>('DELETE', `/subjects/${encodeURIComponent(`nobody-${uniqueSuffix()}`)}`);
    expect(erased.status).toBe(200);
    expect(Object.values(erased.body.counts).every((count) => count === 0)).toBe(true);
    const [audit] = await dataSource.query<Array<{ count: number }>>(
      'SELECT count(*)::int AS count FROM subject_erasures WHERE id = $1 AND tenant_id = $2',
      [erased.body.id, tenant],
    );
    expect(audit!.count).toBe(1);
  });

  it('answers 400 for a subject no event could carry, and 401 without a key', async () => {
    const tooLong = await api.call<{ message: string[] }>('DELETE', `/subjects/${'x'.repeat(501)}`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.message.join('\n')).toMatch(/subject must be shorter than or equal to 500 characters/);
    const control = await api.call<{ message: string[] }>('DELETE', `/subjects/${encodeURIComponent('a\u0001b')}`);
    expect(control.status).toBe(400);
    expect(control.body.message.join('\n')).toMatch(/subject/);
    const nul = await api.call<{ message: string[] }>('DELETE', '/subjects/a%00b');
    expect(nul.status).toBe(400);
    expect((await new ApiClient(cluster.url, undefined).call('DELETE', `/subjects/${bob}`)).status).toBe(401);
    expect(await subjectMentions(dataSource, tenant, bob)).not.toEqual({});
  });

  it('is documented in the OpenAPI document with its answer and errors', async () => {
    const document = await new ApiClient(cluster.url, undefined).call<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>('GET', '/docs-json');
    const operation = document.body.paths['/subjects/{subject}']?.delete;
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual(['200', '400', '401', '404']);
  });
});
