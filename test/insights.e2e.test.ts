import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { waitForPipelineDrained } from './support/consumer-groups';
import { openDatabase } from './support/database';
import { registrationEvent } from './support/events';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;

interface Insights {
  from: string;
  to: string;
  live: boolean | null;
  changes_processed: number;
  unique_registrations: number;
  actions_triggered: number;
  actions_not_triggered: number;
  actions_not_triggered_by_reason: Record<string, number>;
  active_flows: number;
  deliveries_succeeded: number;
  deliveries_failed: number;
  in_retry_queue: number;
  total_retried: number;
  retried_abandoned: number;
  validation_errors: number;
}

const noReason = { inactive: 0, mode: 0, source: 0, untagged_status: 0, activation: 0, filter: 0 };

/**
 * `GET /insights` (docs/CONTRACT.md §9) over a real pipeline: events through Kafka, flows configured
 * through the API, webhooks to a real receiver; every figure is what was produced.
 */
describe('insights: the metrics dashboard figures of a tenant', () => {
  const env = testEnvironment({
    FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWLINE_SECRET_KEY: `insights-${uniqueSuffix()}`.repeat(4),
  });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const receiver = new HttpReceiver();
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  const tenant = `insights-${uniqueSuffix()}`;
  const other = `other-${uniqueSuffix()}`;
  let cluster: TestCluster;
  let dataSource: DataSource;
  let api: ApiClient;
  let otherApi: ApiClient;
  let started: Date;

  beforeAll(async () => {
    // The receiver refuses one lead for good (400: no retry); everything else succeeds.
    receiver.responder = (request) =>
      (JSON.parse(request.body) as { lead?: string }).lead === 'rejected' ? { status: 400 } : { status: 200 };
    await receiver.start();
    dataSource = await openDatabase(env);
    // Configure through the API first: services load configuration when they start, so every
    // flow is in force for the first event.
    cluster = await startCluster(env, ['api']);
    api = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, tenant);
    otherApi = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, other);
    await api.create('/tags', { name: 'engaged', label: 'Engaged', objects: ['registration_status'] });
    expect(
      (await api.call('PUT', '/tags/engaged/assignments', [{ object: 'registration_status', value: 'Attended' }]))
        .status,
    ).toBe(200);
    const connection = await api.create('/connections', { name: 'CRM', url: `${receiver.url}/crm` });
    const mapping = await api.create('/mappings', {
      name: 'lead',
      fields: [
        { target: 'lead', source: '$subject' },
        { target: 'email', source: 'profile.email', required: true },
        { target: 'status', source: 'registration.status' },
      ],
    });
    const destination = { connection_id: connection.id, payload_mapping_id: mapping.id };
    for (const flow of [
      { name: 'registrations', source: { types: ['registration.created'] }, destination },
      {
        name: 'engaged',
        source: { preset: 'registration_status_change' },
        activate_for: { registration_status: ['engaged'] },
        destination,
      },
      { name: 'test registrations', live: false, source: { types: ['registration.created'] }, destination },
    ]) {
      expect(await api.create('/flows', flow)).toMatchObject({ complete: true });
    }
    await cluster.close();
    cluster = await startCluster(env);
    api = api.at(cluster.url);
    otherApi = otherApi.at(cluster.url);
  });

  afterAll(async () => {
    await cluster?.close();
    await dataSource?.destroy();
    await kafka.close();
    await receiver.stop();
  });

  const insights = async (client: ApiClient, query: string) => {
    const response = await client.call<Insights>('GET', `/insights${query}`);
    expect(response.status).toBe(200);
    return response.body;
  };

  it('counts what the pipeline did, live and test apart, and only for the tenant', async () => {
    const status = (subject: string, sequence: number, value: string) =>
      registrationEvent(tenant, subject, sequence, {
        registration: { status: value, previous_status: 'Registered' },
      });
    const live = [
      registrationEvent(tenant, 'att-1', 1), // registrations → 200
      registrationEvent(tenant, 'att-1', 2), // a second change of att-1 → 200
      registrationEvent(tenant, 'att-2', 3), // → 200
      registrationEvent(tenant, 'rejected', 4), // → the receiver's permanent 400
      { ...registrationEvent(tenant, 'no-email', 5), data: { profile: { first_name: 'No' } } }, // validation
      { ...status('att-1', 6, 'Attended'), type: 'registration.status_changed' }, // engaged → 200
      { ...status('att-3', 7, 'Mystery'), type: 'registration.status_changed' }, // untagged_status
      { ...registrationEvent(tenant, 'att-3', 8), type: 'pricing_page_view' }, // no flow: source
    ];
    const test = [{ ...registrationEvent(tenant, 'tester', 9), test: true }]; // test registrations → 200
    const elsewhere = [registrationEvent(other, 'att-1', 1)]; // another tenant, no flows
    started = new Date();
    await kafka.produceJson(
      topics.of(Topic.Ingest),
      [...live, ...test, ...elsewhere].map((event) => ({ key: `${event.tenant}:${event.subject}`, value: event })),
    );
    // Five live webhooks (one refused) and one test webhook; the validation failure sends nothing.
    await receiver.waitForCount(6);
    await waitForPipelineDrained(kafka.kafka, topics);
    expect(receiver.requests).toHaveLength(6);

    const period = `from=${new Date(started.getTime() - 60_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;
    const liveFigures = {
      changes_processed: 8,
      unique_registrations: 5, // att-1, att-2, rejected, no-email, att-3
      actions_triggered: 6, // five registrations, one engaged status change
      actions_not_triggered: 2,
      actions_not_triggered_by_reason: { ...noReason, untagged_status: 1, source: 1 },
      active_flows: 2, // registrations, engaged
      deliveries_succeeded: 4,
      deliveries_failed: 2, // the refused one and the validation failure
      in_retry_queue: 0,
      total_retried: 0,
      retried_abandoned: 0,
      validation_errors: 1,
    };
    expect(await insights(api, `?${period}&live=true`)).toEqual({
      from: new Date(started.getTime() - 60_000).toISOString(),
      to: expect.any(String),
      live: true,
      ...liveFigures,
    });
    expect(await insights(api, `?${period}&live=false`)).toEqual({
      from: expect.any(String),
      to: expect.any(String),
      live: false,
      changes_processed: 1,
      unique_registrations: 1,
      actions_triggered: 1,
      actions_not_triggered: 0,
      actions_not_triggered_by_reason: noReason,
      active_flows: 1,
      deliveries_succeeded: 1,
      deliveries_failed: 0,
      in_retry_queue: 0,
      total_retried: 0,
      retried_abandoned: 0,
      validation_errors: 0,
    });
    const all = {
      ...liveFigures,
      live: null,
      changes_processed: 9,
      unique_registrations: 6,
      actions_triggered: 7,
      active_flows: 3,
      deliveries_succeeded: 5,
    };
    expect(await insights(api, `?${period}`)).toMatchObject(all);
    // Without a period: the last 24 hours.
    const lastDay = await insights(api, '');
    expect(lastDay).toMatchObject(all);
    expect(Date.parse(lastDay.to) - Date.parse(lastDay.from)).toBe(24 * 3_600_000);

    // The other tenant sees only its own event.
    expect(await insights(otherApi, `?${period}`)).toMatchObject({
      changes_processed: 1,
      unique_registrations: 1,
      actions_triggered: 0,
      actions_not_triggered: 1,
      actions_not_triggered_by_reason: { ...noReason, source: 1 },
      active_flows: 0,
      deliveries_succeeded: 0,
      deliveries_failed: 0,
      validation_errors: 0,
    });
    // A period before the events holds none of them.
    const before = new Date(started.getTime() - 3 * 3_600_000);
    expect(
      await insights(api, `?from=${before.toISOString()}&to=${new Date(before.getTime() + 3_600_000).toISOString()}`),
    ).toMatchObject({
      changes_processed: 0,
      unique_registrations: 0,
      actions_triggered: 0,
      active_flows: 0,
      deliveries_succeeded: 0,
      deliveries_failed: 0,
      validation_errors: 0,
    });
  });

  it('shows the validation failure in the activity feed as a failed delivery of category validation', async () => {
    const feed = await api.call<{ deliveries: Array<Record<string, unknown>> }>('GET', '/deliveries?subject=no-email');
    expect(feed.status).toBe(200);
    expect(feed.body.deliveries).toEqual([
      expect.objectContaining({
        subject: 'no-email',
        event_id: 'no-email-evt-5',
        status: 'failed',
        attempts: 0,
        last_error: expect.stringMatching(/email/),
      }),
    ]);
    const [row] = await dataSource.query<Array<Record<string, unknown>>>(
      `SELECT category, channel, retry_count, message, queued_at IS NOT NULL AS queued FROM deliveries
        WHERE tenant_id = $1 AND subject = 'no-email'`,
      [tenant],
    );
    expect(row).toEqual({ category: 'validation', channel: 'webhook', retry_count: 0, message: null, queued: true });
  });

  it('answers 400 listing every problem of a bad query, and 401 without a key', async () => {
    const bad = await api.call<{ message: string[] }>(
      'GET',
      '/insights?from=yesterday&to=2025-13-01&live=yes&colour=red',
    );
    expect(bad.status).toBe(400);
    const problems = bad.body.message.join('\n');
    for (const field of ['from', 'to', 'live', 'colour']) expect(problems).toContain(field);

    const reversed = await api.call<{ message: string[] }>(
      'GET',
      '/insights?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z&live=1',
    );
    expect(reversed.status).toBe(400);
    expect(reversed.body.message).toEqual(
      expect.arrayContaining(['from must be before to', 'live must be true or false']),
    );
    const future = await api.call<{ message: string[] }>(
      'GET',
      `/insights?from=${new Date(Date.now() + 3_600_000).toISOString()}`,
    );
    expect(future.status).toBe(400);
    expect(future.body.message).toEqual(['from must be before to']);

    expect((await new ApiClient(cluster.url, undefined).call('GET', '/insights')).status).toBe(401);
    expect((await new ApiClient(cluster.url, 'flk_wrong').call('GET', '/insights')).status).toBe(401);
  });

  it('documents the endpoint in the OpenAPI document', async () => {
    const document = await new ApiClient(cluster.url, undefined).call<{ paths: Record<string, unknown> }>(
      'GET',
      '/docs-json',
    );
    expect(Object.keys(document.body.paths)).toContain('/insights');
  });
});
