import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { KafkaTestClient, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { openDatabase } from './support/database';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;

interface QueueItem {
  id: string;
  status: string;
  delivery_status: string;
  category: string | null;
  integration: string;
  [field: string]: unknown;
}

interface QueuePage {
  items: QueueItem[];
  next_cursor: string | null;
}

interface Refusal {
  statusCode: number;
  message: string;
  reason: string;
  waits_for?: string;
}

/** A delivery row as the dispatcher keeps it (decision 0009; see DeliveryEntity's doc comments). */
interface SeededDelivery {
  id: string;
  tenant: string;
  status: 'succeeded' | 'failed' | 'retrying' | 'held' | 'sending' | 'abandoned';
  queuedAt: string | null;
  subject?: string;
  category?: string | null;
  channel?: 'webhook' | 'email';
  connectionId?: string | null;
  flowId?: string | null;
  lane?: string | null;
  laneSeq?: number | null;
  message?: Buffer | null;
  attempts?: number;
  retryCount?: number;
  nextAttemptAt?: string | null;
  lastStatusCode?: number | null;
  lastError?: string | null;
}

/**
 * The retry queue's API (docs/CONTRACT.md §8) and paused connections (§4, §8: a 410 pauses one).
 *
 * The dispatcher that fills the queue's columns (queued_at, category, channel, lanes, the kept
 * record) and pauses connections on a 410 is being rewritten on another branch: until it lands,
 * these tests seed delivery rows in PostgreSQL directly, as its schema documents them, and run
 * the real api over real PostgreSQL and Kafka.
 */
describe('the retry queue API', () => {
  const env = testEnvironment({
    FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWLINE_SECRET_KEY: `rq-${uniqueSuffix()}`.repeat(4),
  });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  let cluster: TestCluster;
  let dataSource: DataSource;
  /** Its queue is only the rows of the listing tests. */
  const lister = { id: `lister-${uniqueSuffix()}`, api: undefined as unknown as ApiClient };
  const acme = { id: `acme-${uniqueSuffix()}`, api: undefined as unknown as ApiClient };
  const globex = { id: `globex-${uniqueSuffix()}`, api: undefined as unknown as ApiClient };
  const run = uniqueSuffix();
  const id = (name: string) => `msg_${run}_${name}`;
  const recordConnection = randomUUID();

  async function seed(row: SeededDelivery): Promise<void> {
    await dataSource.query(
      `INSERT INTO deliveries (id, tenant_id, subject, connection_id, flow_id, event_id, event_type, status, attempts,
                               last_status_code, last_error, channel, lane, lane_seq, message, category, retry_count,
                               next_attempt_at, queued_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'registration.created', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
      [
        row.id,
        row.tenant,
        row.subject ?? `att-${row.id}`,
        row.connectionId ?? null,
        row.flowId ?? null,
        `evt-${row.id}`,
        row.status,
        row.attempts ?? 1,
        row.lastStatusCode ?? null,
        row.lastError ?? null,
        row.channel ?? 'webhook',
        row.lane ?? null,
        row.laneSeq ?? null,
        row.message ?? null,
        row.category ?? null,
        row.retryCount ?? 0,
        row.nextAttemptAt ?? null,
        row.queuedAt,
      ],
    );
  }

  /** The delivery record bytes as the mapper wrote them: not canonical JSON, so a re-encoding shows. */
  function record(tenant: string, deliveryId: string, subject: string): Buffer {
    const delivery = {
      v: 1,
      id: deliveryId,
      tenant,
      subject,
      connectionId: recordConnection,
      eventId: `evt-${deliveryId}`,
      eventType: 'registration.created',
      body: { name: 'Zoë Ångström', note: 'naïve ✓ — 日本', amount: 1.5e2 },
      headers: { 'X-Company-ID': 'company_12345' },
      ingestedAt: 1736499600123,
    };
    return Buffer.from(`${JSON.stringify(delivery, null, 3)}\n`);
  }

  /** The tenant's configuration version: a write the running services must see moves it. */
  async function configVersion(tenant: string): Promise<number> {
    const [row] = await dataSource.query<Array<{ version: string }>>(
      'SELECT version FROM tenant_config_versions WHERE tenant_id = $1',
      [tenant],
    );
    return Number(row?.version ?? 0);
  }

  beforeAll(async () => {
    dataSource = await openDatabase(env);
    cluster = await startCluster(env, ['api']);
    for (const tenant of [lister, acme, globex])
      tenant.api = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, tenant.id);
    // Not queue items for acme: delivered at the first attempt (never queued), and another tenant's.
    await seed({ id: id('acme-never-queued'), tenant: acme.id, status: 'succeeded', queuedAt: null });
    await seed({ id: id('globex-own'), tenant: globex.id, status: 'failed', queuedAt: '2025-03-02T08:00:00Z' });
  });

  afterAll(async () => {
    await cluster?.close();
    await kafka.close();
    await dataSource?.destroy();
  });

  describe('GET /retry-queue', () => {
    // Newest first; r6 and r7 differ by a microsecond, r8 and r9 share their queued_at (id breaks the tie).
    const rows: SeededDelivery[] = [
      { id: id('r1'), status: 'retrying', category: 'connection', queuedAt: '2025-03-01T10:00:05.000000Z' },
      { id: id('r2'), status: 'held', category: 'general', queuedAt: '2025-03-01T10:00:04.000000Z' },
      {
        id: id('r3'),
        status: 'sending',
        category: 'system',
        channel: 'email',
        queuedAt: '2025-03-01T10:00:03.000000Z',
      },
      { id: id('r4'), status: 'failed', category: 'validation', queuedAt: '2025-03-01T10:00:02.000000Z' },
      {
        id: id('r5'),
        status: 'abandoned',
        category: 'connection',
        channel: 'email',
        queuedAt: '2025-03-01T10:00:01.000000Z',
      },
      { id: id('r6'), status: 'succeeded', category: 'general', queuedAt: '2025-03-01T10:00:00.000002Z' },
      { id: id('r7'), status: 'succeeded', category: 'config', queuedAt: '2025-03-01T10:00:00.000001Z' },
      { id: id('r9'), status: 'retrying', category: 'system', queuedAt: '2025-03-01T09:59:59.000000Z' },
      { id: id('r8'), status: 'retrying', category: 'system', queuedAt: '2025-03-01T09:59:59.000000Z' },
    ].map((row) => ({ ...row, tenant: lister.id }) as SeededDelivery);
    const ids = (page: QueuePage) => page.items.map((item) => item.id);
    const expected = (keep: (row: SeededDelivery) => boolean) => rows.filter(keep).map((row) => row.id);

    beforeAll(async () => {
      for (const row of rows) await seed(row);
      // Never queued (delivered at the first attempt), and another tenant's: neither is listed.
      await seed({ id: id('first-time'), tenant: lister.id, status: 'succeeded', queuedAt: null });
      await seed({ id: id('theirs'), tenant: globex.id, status: 'retrying', queuedAt: '2025-03-01T10:00:06.000000Z' });
    });

    it("lists the tenant's queued deliveries newest first, each with its queue and delivery status", async () => {
      const connectionId = randomUUID();
      const flowId = randomUUID();
      await dataSource.query(
        `UPDATE deliveries SET connection_id = $2, flow_id = $3, attempts = 2, retry_count = 1, last_status_code = 503,
                last_error = 'HTTP 503', next_attempt_at = '2025-03-01T10:02:05Z', updated_at = '2025-03-01T10:00:05.5Z'
          WHERE id = $1`,
        [id('r1'), connectionId, flowId],
      );
      const response = await lister.api.call<QueuePage>('GET', '/retry-queue');
      expect(response.status).toBe(200);
      expect(ids(response.body)).toEqual(rows.map((row) => row.id));
      expect(response.body.next_cursor).toBeNull();
      expect(response.body.items[0]).toEqual({
        id: id('r1'),
        status: 'retry',
        delivery_status: 'retrying',
        category: 'connection',
        integration: 'webhook',
        subject: `att-${id('r1')}`,
        connection_id: connectionId,
        flow_id: flowId,
        sequence_id: null,
        event_id: `evt-${id('r1')}`,
        event_type: 'registration.created',
        attempts: 2,
        retry_count: 1,
        next_attempt_at: '2025-03-01T10:02:05.000Z',
        last_status_code: 503,
        last_error: 'HTTP 503',
        queued_at: '2025-03-01T10:00:05.000Z',
        updated_at: '2025-03-01T10:00:05.500Z',
      });
      expect(response.body.items.map((item) => [item.delivery_status, item.status])).toEqual([
        ['retrying', 'retry'],
        ['held', 'retry'],
        ['sending', 'retry'],
        ['failed', 'error'],
        ['abandoned', 'failed'],
        ['succeeded', 'done'],
        ['succeeded', 'done'],
        ['retrying', 'retry'],
        ['retrying', 'retry'],
      ]);
    });

    it.each<[string, (row: SeededDelivery) => boolean]>([
      ['status=retry', (row) => ['retrying', 'held', 'sending'].includes(row.status)],
      ['status=error', (row) => row.status === 'failed'],
      ['status=failed', (row) => row.status === 'abandoned'],
      ['status=done', (row) => row.status === 'succeeded'],
      ['category=connection', (row) => row.category === 'connection'],
      ['category=validation', (row) => row.category === 'validation'],
      ['integration=email', (row) => row.channel === 'email'],
      ['integration=webhook', (row) => row.channel !== 'email'],
      ['status=failed&category=connection&integration=email', (row) => row.id === id('r5')],
      ['status=retry&category=system&integration=webhook', (row) => [id('r9'), id('r8')].includes(row.id)],
      ['status=error&integration=email', () => false],
    ])('filters by %s', async (query, keep) => {
      const response = await lister.api.call<QueuePage>('GET', `/retry-queue?${query}`);
      expect(response.status).toBe(200);
      expect(ids(response.body)).toEqual(expected(keep));
    });

    it.each([1, 2, 4])('pages with next_cursor, limit %i, never skipping or repeating an item', async (limit) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
        const response = await lister.api.call<QueuePage>('GET', `/retry-queue?${query}`);
        expect(response.status).toBe(200);
        expect(response.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...ids(response.body));
        cursor = response.body.next_cursor;
        pages += 1;
      } while (cursor !== null && pages <= rows.length);
      expect(seen).toEqual(rows.map((row) => row.id));
      expect(pages).toBe(Math.ceil(rows.length / limit));
    });

    it('pages within a filter', async () => {
      const first = await lister.api.call<QueuePage>('GET', '/retry-queue?status=retry&limit=3');
      expect(ids(first.body)).toEqual([id('r1'), id('r2'), id('r3')]);
      const second = await lister.api.call<QueuePage>(
        'GET',
        `/retry-queue?status=retry&limit=3&cursor=${first.body.next_cursor}`,
      );
      expect(second.body).toEqual({
        items: [expect.objectContaining({ id: id('r9') }), expect.objectContaining({ id: id('r8') })],
        next_cursor: null,
      });
    });

    it('answers 400 listing every bad filter', async () => {
      const response = await lister.api.call<{ message: string[] }>(
        'GET',
        '/retry-queue?status=retrying&category=billing&integration=sms&limit=0&cursor=not-a-cursor&colour=red',
      );
      expect(response.status).toBe(400);
      const problems = response.body.message.join('\n');
      for (const field of ['status', 'category', 'integration', 'limit', 'cursor', 'colour']) {
        expect(problems).toContain(field);
      }
      expect((await lister.api.call('GET', '/retry-queue?limit=1001')).status).toBe(400);
    });

    it('refuses a request without a valid key', async () => {
      expect((await new ApiClient(cluster.url, undefined).call('GET', '/retry-queue')).status).toBe(401);
      expect((await new ApiClient(cluster.url, 'flk_wrong').call('GET', `/retry-queue/${id('r1')}`)).status).toBe(401);
      expect(
        (await new ApiClient(cluster.url, 'flk_wrong').call('POST', `/retry-queue/${id('r1')}/submit`)).status,
      ).toBe(401);
    });
  });

  describe('GET /retry-queue/{id}', () => {
    it('answers one item with every attempt, as GET /deliveries/{id} shows them', async () => {
      await seed({
        id: id('detail'),
        tenant: acme.id,
        status: 'abandoned',
        category: 'connection',
        queuedAt: '2025-03-02T08:00:00Z',
        attempts: 2,
        lastStatusCode: 502,
        lastError: 'HTTP 502',
        message: record(acme.id, id('detail'), 'att-detail'),
      });
      await dataSource.query(
        `INSERT INTO delivery_attempts (delivery_id, tenant_id, attempted_at, status_code, latency_ms, error, response_excerpt)
         VALUES ($1, $2, '2025-03-02T08:00:00Z', NULL, 15000, 'timeout after 15000 ms', NULL),
                ($1, $2, '2025-03-02T08:00:10Z', 502, 42, 'HTTP 502', 'Bad Gateway')`,
        [id('detail'), acme.id],
      );
      const response = await acme.api.call<QueueItem & { attempt_log: unknown[] }>(
        'GET',
        `/retry-queue/${id('detail')}`,
      );
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        id: id('detail'),
        status: 'failed',
        delivery_status: 'abandoned',
        category: 'connection',
        attempts: 2,
        last_status_code: 502,
        queued_at: '2025-03-02T08:00:00.000Z',
      });
      expect(response.body).not.toHaveProperty('message');
      expect(response.body.attempt_log).toEqual([
        {
          time: '2025-03-02T08:00:00.000Z',
          status_code: null,
          latency_ms: 15000,
          error: 'timeout after 15000 ms',
          response: null,
        },
        {
          time: '2025-03-02T08:00:10.000Z',
          status_code: 502,
          latency_ms: 42,
          error: 'HTTP 502',
          response: 'Bad Gateway',
        },
      ]);
      const delivery = await acme.api.call<{ attempt_log: unknown[] }>('GET', `/deliveries/${id('detail')}`);
      expect(delivery.body.attempt_log).toEqual(response.body.attempt_log);
    });

    it("answers 404 for an unknown id, another tenant's, and a delivery that never joined the queue", async () => {
      for (const unknown of [id('nope'), id('globex-own'), id('acme-never-queued')]) {
        const response = await acme.api.call<{ message: string }>('GET', `/retry-queue/${unknown}`);
        expect({ unknown, status: response.status }).toEqual({ unknown, status: 404 });
      }
      expect((await globex.api.call('GET', `/retry-queue/${id('globex-own')}`)).status).toBe(200);
    });
  });

  describe('POST /retry-queue/{id}/submit', () => {
    const flowId = randomUUID();
    let pausedConnection: string;
    const submitted = [
      { name: 'head-retrying', status: 'retrying' as const },
      { name: 'error', status: 'failed' as const },
      { name: 'abandoned', status: 'abandoned' as const },
    ];

    beforeAll(async () => {
      const connection = await acme.api.create('/connections', { name: 'gone', url: 'https://gone.example.com/hook' });
      pausedConnection = connection.id;
      // As the dispatcher pauses a connection on a 410.
      await dataSource.query(`UPDATE connections SET paused_at = now(), paused_reason = $2 WHERE id = $1`, [
        pausedConnection,
        'receiver answered 410 Gone',
      ]);
      for (const { name, status } of submitted) {
        await seed({
          id: id(name),
          tenant: acme.id,
          subject: `att-${name}`,
          status,
          category: 'connection',
          queuedAt: '2025-03-03T08:00:00Z',
          lane: name === 'head-retrying' ? `${acme.id}:lane-1` : null,
          laneSeq: name === 'head-retrying' ? 1 : null,
          message: record(acme.id, id(name), `att-${name}`),
        });
      }
      await seed({
        id: id('behind-retrying'),
        tenant: acme.id,
        subject: 'att-head-retrying',
        status: 'held',
        queuedAt: '2025-03-03T08:00:01Z',
        lane: `${acme.id}:lane-1`,
        laneSeq: 2,
        message: record(acme.id, id('behind-retrying'), 'att-head-retrying'),
      });
      await seed({
        id: id('head-sending'),
        tenant: acme.id,
        status: 'sending',
        queuedAt: '2025-03-03T08:00:00Z',
        lane: `${acme.id}:lane-2`,
        laneSeq: 3,
        message: record(acme.id, id('head-sending'), 'att-2'),
      });
      await seed({
        id: id('behind-sending'),
        tenant: acme.id,
        status: 'held',
        queuedAt: '2025-03-03T08:00:01Z',
        lane: `${acme.id}:lane-2`,
        laneSeq: 4,
        message: record(acme.id, id('behind-sending'), 'att-2'),
      });
      await seed({
        id: id('held-paused'),
        tenant: acme.id,
        status: 'held',
        connectionId: pausedConnection,
        queuedAt: '2025-03-03T08:00:02Z',
        lane: `${acme.id}:lane-3`,
        laneSeq: 5,
        message: record(acme.id, id('held-paused'), 'att-3'),
      });
      await seed({
        id: id('delivered'),
        tenant: acme.id,
        status: 'succeeded',
        queuedAt: '2025-03-03T08:00:00Z',
        message: null,
      });
      await seed({
        id: id('invalid'),
        tenant: acme.id,
        status: 'failed',
        category: 'validation',
        flowId,
        lastError: 'contact.email is required',
        queuedAt: '2025-03-03T08:00:00Z',
        message: null,
      });
      await seed({
        id: id('globex-retrying'),
        tenant: globex.id,
        status: 'retrying',
        queuedAt: '2025-03-03T08:00:00Z',
        message: record(globex.id, id('globex-retrying'), 'att-g'),
      });
    });

    it.each<[string, string, string, string | undefined]>([
      ['behind-retrying', 'held', `waits behind delivery ${id('head-retrying')}`, id('head-retrying')],
      ['behind-sending', 'held', `waits behind delivery ${id('head-sending')}`, id('head-sending')],
      ['held-paused', 'held', 'is paused (receiver answered 410 Gone): resume it with POST /connections/', undefined],
      ['head-sending', 'sending', 'being attempted right now', undefined],
      ['delivered', 'succeeded', 'delivered already', undefined],
      ['invalid', 'no_record', 'failed validation (contact.email is required)', undefined],
    ])('answers 409 for %s: %s', async (name, reason, says, waitsFor) => {
      const response = await acme.api.call<Refusal>('POST', `/retry-queue/${id(name)}/submit`);
      expect(response.status).toBe(409);
      expect(response.body.reason).toBe(reason);
      expect(response.body.message).toContain(id(name));
      expect(response.body.message).toContain(says);
      expect(response.body.waits_for).toBe(waitsFor);
    });

    it('says which connection a held item waits for, and that a validation error needs a replay', async () => {
      const paused = await acme.api.call<Refusal>('POST', `/retry-queue/${id('held-paused')}/submit`);
      expect(paused.body.message).toContain(`POST /connections/${pausedConnection}/resume`);
      const invalid = await acme.api.call<Refusal>('POST', `/retry-queue/${id('invalid')}/submit`);
      expect(invalid.body.message).toContain(`fix the mapping, then replay the flow (POST /flows/${flowId}/replay)`);
    });

    it("answers 404 for an unknown id, another tenant's, and a delivery that never joined the queue", async () => {
      for (const unknown of [id('nope'), id('globex-own'), id('globex-retrying'), id('acme-never-queued')]) {
        const response = await acme.api.call('POST', `/retry-queue/${unknown}/submit`);
        expect({ unknown, status: response.status }).toEqual({ unknown, status: 404 });
      }
    });

    it('produces the stored record unchanged to the deliveries topic, keyed tenant:subject, marked resubmitted', async () => {
      for (const { name } of submitted) {
        const response = await acme.api.call('POST', `/retry-queue/${id(name)}/submit`);
        expect(response).toEqual({ status: 202, body: { id: id(name), status: 'submitted' } });
      }
      const collected = await kafka.collect(topics.of(Topic.Deliveries), submitted.length);
      const byKey = new Map(collected.map((message) => [message.key, message]));
      for (const { name } of submitted) {
        const message = byKey.get(`${acme.id}:att-${name}`);
        expect(message).toBeDefined();
        expect(message!.value!.equals(record(acme.id, id(name), `att-${name}`))).toBe(true);
        expect(message!.headers).toMatchObject({ 'flowline-resubmit': '1', 'flowline-message-type': 'delivery' });
      }
      // Every refusal above and below produced nothing.
      expect(await kafka.recordCount(topics.of(Topic.Deliveries))).toBe(submitted.length);
      expect((await acme.api.call('POST', `/retry-queue/${id('behind-retrying')}/submit`)).status).toBe(409);
      expect(await kafka.recordCount(topics.of(Topic.Deliveries))).toBe(submitted.length);
    });
  });

  describe('paused connections', () => {
    let connectionId: string;

    beforeAll(async () => {
      const created = await acme.api.create('/connections', { name: 'CRM', url: 'https://crm.example.com/hook' });
      expect(created.paused).toBeNull();
      connectionId = created.id;
    });

    it('pauses by hand, shows it in every answer, and tells the services', async () => {
      const before = await configVersion(acme.id);
      const paused = await acme.api.call<{ paused: { at: string; reason: string } | null }>(
        'POST',
        `/connections/${connectionId}/pause`,
      );
      expect(paused.status).toBe(200);
      expect(paused.body.paused).toEqual({
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
        reason: 'paused by operator',
      });
      expect(await configVersion(acme.id)).toBeGreaterThan(before);
      const shown = await acme.api.call('GET', `/connections/${connectionId}`);
      expect(shown.body.paused).toEqual(paused.body.paused);
      const listed = await acme.api.call<{ connections: Array<{ id: string; paused: unknown }> }>(
        'GET',
        '/connections',
      );
      expect(listed.body.connections.find((connection) => connection.id === connectionId)?.paused).toEqual(
        paused.body.paused,
      );

      const again = await acme.api.call<{ message: string }>('POST', `/connections/${connectionId}/pause`);
      expect(again.status).toBe(409);
      expect(again.body.message).toContain('paused already');
      expect((await acme.api.call('GET', `/connections/${connectionId}`)).body.paused).toEqual(paused.body.paused);
    });

    it('stays paused when edited, and resumes', async () => {
      const edited = await acme.api.call('PUT', `/connections/${connectionId}`, {
        name: 'CRM',
        url: 'https://crm.example.com/hook-v2',
      });
      expect(edited.status).toBe(200);
      expect(edited.body.paused).toMatchObject({ reason: 'paused by operator' });

      const before = await configVersion(acme.id);
      const resumed = await acme.api.call('POST', `/connections/${connectionId}/resume`);
      expect(resumed.status).toBe(200);
      expect(resumed.body).toMatchObject({ id: connectionId, url: 'https://crm.example.com/hook-v2', paused: null });
      expect(await configVersion(acme.id)).toBeGreaterThan(before);
      const [row] = await dataSource.query<Array<{ paused_at: Date | null; paused_reason: string | null }>>(
        'SELECT paused_at, paused_reason FROM connections WHERE id = $1',
        [connectionId],
      );
      expect(row).toEqual({ paused_at: null, paused_reason: null });

      const again = await acme.api.call<{ message: string }>('POST', `/connections/${connectionId}/resume`);
      expect(again.status).toBe(409);
      expect(again.body.message).toContain('not paused');
    });

    it('shows and resumes a connection the dispatcher paused after a 410', async () => {
      await dataSource.query(
        `UPDATE connections SET paused_at = '2025-03-04T12:00:00Z', paused_reason = 'receiver answered 410 Gone' WHERE id = $1`,
        [connectionId],
      );
      const shown = await acme.api.call('GET', `/connections/${connectionId}`);
      expect(shown.body.paused).toEqual({ at: '2025-03-04T12:00:00.000Z', reason: 'receiver answered 410 Gone' });
      const resumed = await acme.api.call('POST', `/connections/${connectionId}/resume`);
      expect(resumed).toMatchObject({ status: 200, body: { paused: null } });
    });

    it("answers 404 for another tenant's connection or an unknown id, and changes nothing", async () => {
      for (const path of [
        `/connections/${connectionId}/pause`,
        `/connections/${connectionId}/resume`,
        `/connections/${randomUUID()}/pause`,
        '/connections/not-a-uuid/resume',
      ]) {
        const response = await globex.api.call('POST', path);
        expect({ path, status: response.status }).toEqual({ path, status: 404 });
      }
      expect((await acme.api.call('GET', `/connections/${connectionId}`)).body.paused).toBeNull();
    });
  });

  it('documents the new endpoints in the OpenAPI document', async () => {
    const document = await new ApiClient(cluster.url, undefined).call<{ paths: Record<string, unknown> }>(
      'GET',
      '/docs-json',
    );
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining([
        '/retry-queue',
        '/retry-queue/{id}',
        '/retry-queue/{id}/submit',
        '/connections/{id}/pause',
        '/connections/{id}/resume',
      ]),
    );
  });
});
