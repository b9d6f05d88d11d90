import { loadConfig } from '@flowline/config';
import { DLQ_HEADERS, Topic, TopicNames } from '@flowline/contracts';
import { MAPPING_GOLDEN_FIXTURES } from '@flowline/mapping';
import { HttpReceiver, KafkaTestClient, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { openDatabase } from './support/database';
import { waitForPipelineDrained } from './support/consumer-groups';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;

/**
 * The reference documents' payload examples, configured through the API and delivered by the
 * running pipeline: what the receiver gets must be the document's payload, field for field.
 */
describe('golden payloads, from API configuration to received webhook', () => {
  // The default refresh interval, so the configuration-change test measures the real promise.
  const env = testEnvironment({
    FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWLINE_SECRET_KEY: `golden-${uniqueSuffix()}`.repeat(4),
    FLOWLINE_CONFIG_REFRESH_MS: '2000',
  });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const receiver = new HttpReceiver();
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  let cluster: TestCluster;
  const tenants = new Map<string, { tenantId: string; api: ApiClient; mappingId: string; flowId: string }>();
  const strictFixture = {
    ...MAPPING_GOLDEN_FIXTURES[0]!,
    name: 'strict',
    mapping: { name: 'strict', fields: [{ target: 'phone', source: 'profile.phone', required: true }] },
  };

  beforeAll(async () => {
    await receiver.start();
    // Configure through the API first; services load configuration when they start, so every
    // flow is in force for the first event without waiting for a refresh.
    cluster = await startCluster(env, ['api']);
    for (const fixture of [...MAPPING_GOLDEN_FIXTURES, strictFixture]) {
      tenants.set(fixture.name, await configure(`golden-${uniqueSuffix()}`, fixture));
    }
    activation = await configureStatusChangeFlow(`activation-${uniqueSuffix()}`);
    await cluster.close();
    cluster = await startCluster(env);
  });

  afterAll(async () => {
    await cluster?.close();
    await kafka.close();
    await receiver.stop();
  });

  let activation: { tenantId: string };

  /** A status-change flow that activates for the tag `engaged`, assigned to status Attended. */
  async function configureStatusChangeFlow(tenantId: string) {
    const api = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, tenantId);
    await api.create('/tags', { name: 'engaged', label: 'Engaged', objects: ['registration_status'] });
    const assigned = await api.call('PUT', '/tags/engaged/assignments', [
      { object: 'registration_status', value: 'Attended' },
    ]);
    expect(assigned.status).toBe(200);
    const connection = await api.create('/connections', { name: 'receiver', url: `${receiver.url}/${tenantId}` });
    const mapping = await api.create('/mappings', {
      name: 'status',
      fields: [
        { target: 'lead', source: '$subject' },
        { target: 'status', source: 'status' },
      ],
    });
    const flow = await api.create('/flows', {
      name: 'attended',
      source: { preset: 'registration_status_change' },
      activate_for: { registration_status: ['engaged'] },
      destination: { connection_id: connection.id, payload_mapping_id: mapping.id },
    });
    expect(flow).toMatchObject({ complete: true });
    return { tenantId };
  }

  /** A tenant of its own with a connection to the receiver, the mapping(s) and a flow. */
  async function configure(tenantId: string, fixture: (typeof MAPPING_GOLDEN_FIXTURES)[number]) {
    const api = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, tenantId);
    const connection = await api.create('/connections', { name: 'receiver', url: `${receiver.url}/${tenantId}` });
    const mapping = await api.create('/mappings', fixture.mapping);
    const headerMapping = fixture.headerMapping ? await api.create('/mappings', fixture.headerMapping) : undefined;
    const flow = await api.create('/flows', {
      name: fixture.name,
      source: { types: [fixture.event.type] },
      destination: {
        connection_id: connection.id,
        payload_mapping_id: mapping.id,
        ...(headerMapping ? { header_mapping_id: headerMapping.id } : {}),
      },
    });
    expect(flow).toMatchObject({ complete: true });
    return { tenantId, api, mappingId: mapping.id, flowId: flow.id };
  }

  it.each(MAPPING_GOLDEN_FIXTURES.map((fixture) => [fixture.name, fixture] as const))('%s', async (_name, fixture) => {
    const { tenantId } = tenants.get(fixture.name)!;
    const event = { ...fixture.event, tenant: tenantId };
    const before = receiver.requests.length;
    await kafka.produceJson(topics.of(Topic.Ingest), [{ key: `${tenantId}:${event.subject}`, value: event }]);
    await receiver.waitForCount(before + 1);
    const request = receiver.requests.slice(before).find((received) => received.path === `/${tenantId}`)!;
    expect(request.body).toBe(JSON.stringify(fixture.expected));
    for (const [name, value] of Object.entries(fixture.expectedHeaders ?? {})) {
      expect(request.headers[name.toLowerCase()]).toBe(value);
    }
  });

  it('shows each delivery and its attempts in the activity feed, to its own tenant only', async () => {
    const fixture = MAPPING_GOLDEN_FIXTURES[1]!;
    const { tenantId, api } = tenants.get(fixture.name)!;
    const client = api.at(cluster.url);
    const feed = await client.call<{
      deliveries: Array<{ id: string; status: string; attempts: number; subject: string }>;
    }>('GET', `/deliveries?subject=${encodeURIComponent(fixture.event.subject)}&status=succeeded`);
    expect(feed.status).toBe(200);
    expect(feed.body.deliveries).toEqual([
      expect.objectContaining({ status: 'succeeded', attempts: 1, subject: fixture.event.subject }),
    ]);
    const id = feed.body.deliveries[0]!.id;
    expect(
      receiver.requests.some((request) => request.path === `/${tenantId}` && request.headers['webhook-id'] === id),
    ).toBe(true);
    const detail = await client.call<{ attempt_log: Array<Record<string, unknown>> }>('GET', `/deliveries/${id}`);
    expect(detail.body.attempt_log).toEqual([
      {
        time: expect.any(String),
        status_code: 200,
        latency_ms: expect.any(Number),
        error: null,
        response: '{"received":true}',
      },
    ]);
    expect((await client.call<{ deliveries: unknown[] }>('GET', '/deliveries?status=failed')).body.deliveries).toEqual(
      [],
    );
    const stranger = tenants.get(MAPPING_GOLDEN_FIXTURES[0]!.name)!.api.at(cluster.url);
    expect((await stranger.call('GET', `/deliveries/${id}`)).status).toBe(404);
    expect((await client.call('GET', '/deliveries?status=lost')).status).toBe(400);
  });

  it('delivers a status change only when the new status carries an activation tag', async () => {
    const { tenantId } = activation;
    const change = (id: string, subject: string, status: string, carried?: string[]) => ({
      key: `${tenantId}:${subject}`,
      value: {
        id,
        tenant: tenantId,
        type: 'registration.status_changed',
        subject,
        time: '2025-03-04T17:00:00Z',
        data: { registration: { status, previous_status: 'Registered', ...(carried ? { status_tags: carried } : {}) } },
      },
    });
    const before = receiver.requests.length;
    // Same subject, so one partition: the last one's webhook means the others were evaluated.
    await kafka.produceJson(topics.of(Topic.Ingest), [
      change('s1', 'lead-a', 'Cancelled'),
      change('s2', 'lead-a', 'No Show', ['vip-only']),
      change('s3', 'lead-a', 'No Show', ['engaged']),
      change('s4', 'lead-a', 'Attended'),
    ]);
    await receiver.waitForCount(before + 2);
    const received = receiver.requests.slice(before).filter((request) => request.path === `/${tenantId}`);
    expect(received.map((request) => JSON.parse(request.body) as unknown)).toEqual([
      { lead: 'lead-a', status: 'No Show' },
      { lead: 'lead-a', status: 'Attended' },
    ]);
    const notTriggered = await cluster.metrics.registry.getSingleMetricAsString('flowline_actions_not_triggered_total');
    expect(notTriggered).toContain('flowline_actions_not_triggered_total{reason="untagged_status"} 1');
    expect(notTriggered).toContain('flowline_actions_not_triggered_total{reason="activation"} 1');
  });

  it('dead-letters a delivery whose required field the event cannot fill, with category validation', async () => {
    const { tenantId } = tenants.get('strict')!;
    const before = receiver.requests.length;
    await kafka.produceJson(topics.of(Topic.Ingest), [
      { key: `${tenantId}:${strictFixture.event.subject}`, value: { ...strictFixture.event, tenant: tenantId } },
    ]);
    const [dead] = await kafka.collect(topics.of(Topic.DeliveriesDlq), 1);
    expect(dead!.headers[DLQ_HEADERS.category]).toBe('validation');
    expect(dead!.headers[DLQ_HEADERS.error]).toContain('phone');
    expect(receiver.requests.slice(before).filter((request) => request.path === `/${tenantId}`)).toEqual([]);
    const metrics = await cluster.metrics.registry.getSingleMetricAsString('flowline_dead_letters_total');
    expect(metrics).toContain('flowline_dead_letters_total{category="validation"} 1');
  });

  it('replays a period of the event log, and one event, with the webhook-ids of the live run', async () => {
    const fixture = MAPPING_GOLDEN_FIXTURES[3]!;
    const { tenantId, api, flowId } = tenants.get(fixture.name)!;
    const client = api.at(cluster.url);
    const path = `/${tenantId}`;
    const mine = () => receiver.requests.filter((request) => request.path === path);
    const produce = async (ids: string[]) => {
      const before = mine().length;
      await kafka.produceJson(
        topics.of(Topic.Ingest),
        ids.map((id) => ({
          key: `${tenantId}:${fixture.event.subject}`,
          value: { ...fixture.event, tenant: tenantId, id },
        })),
      );
      while (mine().length < before + ids.length) await receiver.waitForCount(receiver.requests.length + 1);
    };
    const idsOf = (requests: ReturnType<typeof mine>) =>
      requests.map((request) => String(request.headers['webhook-id']));

    const beforeA = mine().length;
    await produce(['replay-a1', 'replay-a2']);
    const liveA = idsOf(mine().slice(beforeA));
    const periodStart = new Date();
    const beforeB = mine().length;
    await produce(['replay-b1', 'replay-b2']);
    const liveB = idsOf(mine().slice(beforeB));
    const periodEnd = new Date();
    await produce(['replay-c1']);

    const live = mine().length;
    const started = await client.call<{ id: string; status: string }>('POST', `/flows/${flowId}/replay`, {
      from: periodStart.toISOString(),
      to: periodEnd.toISOString(),
    });
    expect(started.status).toBe(202);
    while (mine().length < live + 2) await receiver.waitForCount(receiver.requests.length + 1);
    expect(idsOf(mine().slice(live))).toEqual(liveB);
    let progress = await client.call<{ status: string; actions_produced: number }>(
      'GET',
      `/replays/${started.body.id}`,
    );
    while (progress.body.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 100));
      progress = await client.call('GET', `/replays/${started.body.id}`);
    }
    expect(progress.body).toMatchObject({ status: 'done', actions_produced: 2 });

    const beforeOne = mine().length;
    const one = await client.call<{ id: string }>('POST', `/flows/${flowId}/replay`, {
      from: new Date(periodStart.getTime() - 60_000).toISOString(),
      to: new Date().toISOString(),
      event_id: 'replay-a2',
    });
    expect(one.status).toBe(202);
    await receiver.waitForCount(receiver.requests.length + 1);
    await waitForPipelineDrained(kafka.kafka, topics);
    const again = mine().slice(beforeOne);
    expect(again).toHaveLength(1);
    expect(idsOf(again)).toEqual([liveA[1]]);
    expect((await client.call('GET', `/replays/${one.body.id}`)).status).toBe(200);
    expect(
      (await tenants.get(MAPPING_GOLDEN_FIXTURES[0]!.name)!.api.at(cluster.url).call('GET', `/replays/${one.body.id}`))
        .status,
    ).toBe(404);
  });

  it('runs at most two replays of a tenant at once: a third answers 429', async () => {
    const fixture = MAPPING_GOLDEN_FIXTURES[4]!;
    const { tenantId, api, flowId } = tenants.get(fixture.name)!;
    const client = api.at(cluster.url);
    const dataSource = await openDatabase(env);
    try {
      // Two replays still running (as a long event log would keep them).
      const running = await dataSource.query<Array<{ id: string }>>(
        `INSERT INTO replays (tenant_id, flow_id, from_time, to_time)
         SELECT $1, $2, now() - interval '1 hour', now() FROM generate_series(1, 2) RETURNING id`,
        [tenantId, flowId],
      );
      const period = { from: new Date(Date.now() - 60_000).toISOString(), to: new Date().toISOString() };
      const refused = await client.call<{ message: string }>('POST', `/flows/${flowId}/replay`, period);
      expect(refused.status).toBe(429);
      expect(refused.body.message).toMatch(/at most 2 replays run at once/);
      await dataSource.query(`UPDATE replays SET status = 'done' WHERE id = ANY($1::uuid[])`, [
        running.map((row) => row.id),
      ]);
      expect((await client.call('POST', `/flows/${flowId}/replay`, period)).status).toBe(202);
    } finally {
      await dataSource.destroy();
    }
  });

  it('puts a mapping change made through the API in force within 5 seconds', async () => {
    const fixture = MAPPING_GOLDEN_FIXTURES[0]!;
    const { tenantId, api, mappingId } = tenants.get(fixture.name)!;
    const path = `/${tenantId}`;
    const changed = await api.at(cluster.url).call('PUT', `/mappings/${mappingId}`, {
      name: 'changed',
      fields: [...fixture.mapping.fields, { target: 'mapping_version', value: 2 }],
    });
    expect(changed.status).toBe(200);
    const changedAt = Date.now();
    // One event every 250 ms until a webhook shows the new mapping: when was it first in force?
    let firstNew: number | undefined;
    for (let index = 0; firstNew === undefined && Date.now() - changedAt < 10_000; index += 1) {
      const producedAt = Date.now();
      const before = receiver.requests.length;
      await kafka.produceJson(topics.of(Topic.Ingest), [
        {
          key: `${tenantId}:${fixture.event.subject}`,
          value: { ...fixture.event, tenant: tenantId, id: `change-${index}` },
        },
      ]);
      await receiver.waitForCount(before + 1);
      const body = JSON.parse(receiver.requests.slice(before).find((request) => request.path === path)!.body) as {
        mapping_version?: number;
      };
      if (body.mapping_version === 2) firstNew = producedAt;
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(firstNew).toBeDefined();
    expect(firstNew! - changedAt).toBeLessThan(5000);
  });
});
