import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { waitForPipelineDrained } from './support/consumer-groups';
import { openDatabase } from './support/database';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;
const BUYING_INTENT = ['pricing_page_view', 'whitepaper_download', 'demo_request'];

describe('sequence triggers (docs/CONTRACT.md §7, reference 002)', () => {
  const env = testEnvironment({
    FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWLINE_SECRET_KEY: `seq-${uniqueSuffix()}`.repeat(4),
  });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const receiver = new HttpReceiver();
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  let cluster: TestCluster;
  let api: ApiClient;
  let other: ApiClient;
  const tenant = `leadvibe-${uniqueSuffix()}`;
  const sequences: Record<string, { id: string }> = {};

  beforeAll(async () => {
    await receiver.start();
    // Triggers first, through the API; the detector loads them when it starts.
    cluster = await startCluster(env, ['api']);
    api = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, tenant);
    other = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, `other-${uniqueSuffix()}`);
    for (const [name, ordered, window] of [
      ['Buying Intent Sequence', true, 604800],
      ['Buying Intent, any order', false, 604800],
      ['One hour', true, 3600],
    ] as const) {
      sequences[name] = await api.create('/sequences', {
        name,
        event_types: BUYING_INTENT,
        window_seconds: window,
        window_unit: window === 3600 ? '1 hour' : '7 days',
        ordered,
        webhook_url: `${receiver.url}/leadvibe/${encodeURIComponent(name)}`,
        emails: ['sales@example.com'],
      });
    }
    await cluster.close();
    cluster = await startCluster(env);
    api = api.at(cluster.url);
    other = other.at(cluster.url);
  });

  afterAll(async () => {
    await cluster?.close();
    await kafka.close();
    await receiver.stop();
  });

  const event = (lead: string, id: string, type: string, time: string) => ({
    key: `${tenant}:${lead}`,
    value: { id, tenant, type, subject: lead, time, data: {} },
  });
  const received = (name: string) =>
    receiver.requests.filter((request) => request.path === `/leadvibe/${encodeURIComponent(name)}`);

  describe('the API, as the reference', () => {
    it('lists, reads, updates and deletes triggers with the reference fields', async () => {
      const listed = await api.call<{ sequences: Array<Record<string, unknown>> }>('GET', '/sequences');
      expect(listed.status).toBe(200);
      expect(listed.body.sequences[0]).toEqual({
        id: sequences['Buying Intent Sequence']!.id,
        name: 'Buying Intent Sequence',
        event_types: BUYING_INTENT,
        window_seconds: 604800,
        window_unit: '7 days',
        ordered: true,
        webhook_url: expect.stringContaining('/leadvibe/'),
        emails: ['sales@example.com'],
        active: true,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      const created = await api.create('/sequences', { name: 'temp', event_types: ['a'], window_seconds: 60 });
      expect(created).toMatchObject({ ordered: false, active: true });
      const patched = await api.call('PATCH', `/sequences/${created.id}`, { active: false, ordered: true });
      expect(patched.body).toMatchObject({ name: 'temp', active: false, ordered: true });
      const replaced = await api.call('PUT', `/sequences/${created.id}`, {
        name: 'temp2',
        event_types: ['b'],
        window_seconds: 30,
      });
      expect(replaced.body).toMatchObject({ name: 'temp2', event_types: ['b'], ordered: false, active: true });
      expect((await other.call('GET', `/sequences/${created.id}`)).status).toBe(404);
      expect((await other.call('DELETE', `/sequences/${created.id}`)).status).toBe(404);
      expect((await api.call('DELETE', `/sequences/${created.id}`)).status).toBe(204);
      expect((await api.call('GET', `/sequences/${created.id}`)).status).toBe(404);
    });

    it('answers 400 for missing or invalid fields and 401 without a key', async () => {
      const bad = await api.call<{ message: string[] }>('POST', '/sequences', {
        event_types: 'pricing_page_view',
        window_seconds: -5,
        ordered: 'yes',
        emails: ['not-an-email'],
      });
      expect(bad.status).toBe(400);
      for (const field of ['name', 'event_types', 'window_seconds', 'ordered', 'emails']) {
        expect(bad.body.message.join('\n')).toContain(field);
      }
      expect((await new ApiClient(cluster.url, undefined).call('GET', '/sequences')).status).toBe(401);
      expect((await new ApiClient(cluster.url, 'flk_nope').call('GET', '/sequence-events')).status).toBe(401);
    });

    it('simulates with the same matcher: whether and with which events it would fire', async () => {
      const events = [
        { id: 'evt-001', event_type: 'pricing_page_view', created_at: '2025-01-10T09:00:00Z' },
        { id: 'evt-002', event_type: 'whitepaper_download', created_at: '2025-01-12T14:30:00Z' },
        { id: 'evt-003', event_type: 'demo_request', created_at: '2025-01-14T11:00:00Z' },
      ];
      const simulated = await api.call('POST', `/sequences/${sequences['Buying Intent Sequence']!.id}/simulate`, {
        events,
      });
      expect(simulated).toEqual({ status: 200, body: { matched: true, events } });
      // The whitepaper downloaded before the pricing page was seen: out of order for an ordered trigger.
      const reversed = await api.call('POST', `/sequences/${sequences['Buying Intent Sequence']!.id}/simulate`, {
        events: [{ ...events[1]!, created_at: '2025-01-09T14:30:00Z' }, events[0], events[2]],
      });
      expect(reversed.body).toMatchObject({ matched: false });
    });
  });

  it("fires the reference's buying-intent example once, with exactly the reference payload", async () => {
    const name = 'Buying Intent Sequence';
    const sequenceActions = async () =>
      (await cluster.metrics.actionsTriggered.get()).values.find((value) => value.labels.kind === 'sequence')?.value;
    const actionsBefore = await sequenceActions();
    await kafka.produceJson(topics.of(Topic.Ingest), [
      event('ld_123', 'evt-001', 'pricing_page_view', '2025-01-10T09:00:00Z'),
      event('ld_123', 'evt-002', 'whitepaper_download', '2025-01-12T14:30:00Z'),
      event('ld_123', 'evt-003', 'demo_request', '2025-01-14T11:00:00Z'),
      event('ld_123', 'evt-004', 'demo_request', '2025-01-14T12:00:00Z'),
    ]);
    await receiver.waitForCount(2); // the ordered and the unordered 7-day triggers
    await waitForPipelineDrained(kafka.kafka, topics);
    expect((await sequenceActions())! - actionsBefore!).toBe(2);
    const [webhook] = received(name);
    expect(received(name)).toHaveLength(1);
    expect(webhook!.body).toBe(
      JSON.stringify({
        trigger: { id: sequences[name]!.id, name, type: 'sequence' },
        lead_id: 'ld_123',
        sequence: BUYING_INTENT,
        events: [
          { id: 'evt-001', event_type: 'pricing_page_view', created_at: '2025-01-10T09:00:00Z' },
          { id: 'evt-002', event_type: 'whitepaper_download', created_at: '2025-01-12T14:30:00Z' },
          { id: 'evt-003', event_type: 'demo_request', created_at: '2025-01-14T11:00:00Z' },
        ],
      }),
    );
    expect(webhook!.headers['webhook-id']).toMatch(/^msg_/);
    const completed = await api.call<{ sequence_events: Array<Record<string, unknown>> }>(
      'GET',
      `/sequence-events?sequence_id=${sequences[name]!.id}&lead_id=ld_123`,
    );
    expect(completed.body.sequence_events).toEqual([
      expect.objectContaining({ sequence_id: sequences[name]!.id, lead_id: 'ld_123' }),
    ]);
    expect((await other.call<{ sequence_events: unknown[] }>('GET', '/sequence-events')).body.sequence_events).toEqual(
      [],
    );
  });

  it('places out-of-order arrivals by event time within the lateness, counts later ones, and ignores noise', async () => {
    const name = 'Buying Intent Sequence';
    const before = received(name).length;
    await kafka.produceJson(topics.of(Topic.Ingest), [
      // Arrives out of order, 1 minute behind the newest event: placed by its time, fires.
      event('ld_shuffled', 'x1', 'pricing_page_view', '2025-04-01T10:00:00Z'),
      event('ld_shuffled', 'x2', 'page_view', '2025-04-01T10:01:00Z'),
      event('ld_shuffled', 'x3', 'demo_request', '2025-04-01T10:03:00Z'),
      event('ld_shuffled', 'x4', 'pricing_page_view', '2025-04-01T10:01:30Z'),
      event('ld_shuffled', 'x5', 'whitepaper_download', '2025-04-01T10:02:00Z'),
      // Six minutes behind: later than the allowed five, counted as late, not matched.
      event('ld_late', 'y1', 'pricing_page_view', '2025-04-01T10:00:00Z'),
      event('ld_late', 'y2', 'demo_request', '2025-04-01T10:10:00Z'),
      event('ld_late', 'y3', 'whitepaper_download', '2025-04-01T10:04:00Z'),
    ]);
    await waitForPipelineDrained(kafka.kafka, topics);
    const fired = received(name)
      .slice(before)
      .map((request) => JSON.parse(request.body) as { lead_id: string; events: Array<{ id: string }> });
    expect(fired.map((body) => body.lead_id)).toEqual(['ld_shuffled']);
    // The repeated pricing view closest before the whitepaper completes it.
    expect(fired[0]!.events.map((completing) => completing.id)).toEqual(['x4', 'x5', 'x3']);
    const late = await cluster.metrics.registry.getSingleMetricAsString('flowline_sequence_late_events_total');
    expect(late).toMatch(/flowline_sequence_late_events_total [1-9]/);
  });

  it('tells ordered from unordered on the same events, and keeps to the window edges', async () => {
    const before = {
      ordered: received('Buying Intent Sequence').length,
      any: received('Buying Intent, any order').length,
    };
    await kafka.produceJson(topics.of(Topic.Ingest), [
      // Whitepaper before pricing: only the unordered trigger fires.
      event('ld_mixed', 'm1', 'whitepaper_download', '2025-02-01T09:00:00Z'),
      event('ld_mixed', 'm2', 'pricing_page_view', '2025-02-01T10:00:00Z'),
      event('ld_mixed', 'm3', 'demo_request', '2025-02-01T11:00:00Z'),
      // One hour exactly: fires. One hour and one second: does not.
      event('ld_edge', 'e1', 'pricing_page_view', '2025-03-01T09:00:00Z'),
      event('ld_edge', 'e2', 'whitepaper_download', '2025-03-01T09:30:00Z'),
      event('ld_edge', 'e3', 'demo_request', '2025-03-01T10:00:00Z'),
      event('ld_over', 'o1', 'pricing_page_view', '2025-03-01T09:00:00Z'),
      event('ld_over', 'o2', 'whitepaper_download', '2025-03-01T09:30:00Z'),
      event('ld_over', 'o3', 'demo_request', '2025-03-01T10:00:01Z'),
    ]);
    await waitForPipelineDrained(kafka.kafka, topics);
    const leads = (name: string, from: number) =>
      received(name)
        .slice(from)
        .map((request) => (JSON.parse(request.body) as { lead_id: string }).lead_id);
    expect(leads('Buying Intent Sequence', before.ordered).sort()).toEqual(['ld_edge', 'ld_over']);
    expect(leads('Buying Intent, any order', before.any).sort()).toEqual(['ld_edge', 'ld_mixed', 'ld_over']);
    expect(leads('One hour', 0)).toEqual(expect.arrayContaining(['ld_edge']));
    expect(leads('One hour', 0)).not.toContain('ld_over');
  });
  it('is not moved by test events', async () => {
    const before = received('One hour').length;
    await kafka.produceJson(
      topics.of(Topic.Ingest),
      ['pricing_page_view', 'whitepaper_download', 'demo_request'].map((type, index) => {
        const testEvent = event('ld_test', `t${index}`, type, `2025-04-01T09:0${index}:00Z`);
        return { ...testEvent, value: { ...testEvent.value, test: true } };
      }),
    );
    await waitForPipelineDrained(kafka.kafka, topics);
    expect(received('One hour').slice(before)).toEqual([]);
  });

  it('drops partial progress when the definition changes, and keeps fired leads fired', async () => {
    const id = sequences['One hour']!.id;
    await kafka.produceJson(topics.of(Topic.Ingest), [
      event('ld_partial', 'p1', 'pricing_page_view', '2025-05-01T09:00:00Z'),
    ]);
    await waitForPipelineDrained(kafka.kafka, topics);
    const dataSource = await openDatabase(env);
    try {
      const states = () =>
        dataSource.query<Array<{ lead: string; fired: boolean }>>(
          `SELECT lead, state ? 'firedAt' AS fired FROM sequence_state WHERE sequence_id = $1 ORDER BY lead`,
          [id],
        );
      expect(await states()).toContainEqual({ lead: 'ld_partial', fired: false });
      // A rename changes no match: progress stays.
      expect((await api.call('PATCH', `/sequences/${id}`, { name: 'One hour (renamed)' })).status).toBe(200);
      expect(await states()).toContainEqual({ lead: 'ld_partial', fired: false });
      // A new window does: progress kept for the old one is dropped, the fired latch stays.
      expect((await api.call('PATCH', `/sequences/${id}`, { window_seconds: 7200 })).status).toBe(200);
      const after = await states();
      expect(after.filter((state) => !state.fired)).toEqual([]);
      expect(after).toContainEqual({ lead: 'ld_edge', fired: true });
    } finally {
      await dataSource.destroy();
    }
  });
});
