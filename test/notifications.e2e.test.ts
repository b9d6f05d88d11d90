import { Webhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, SmtpReceiver, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { openDatabase } from './support/database';
import { eventually } from './support/eventually';
import { REGISTRATION_FIELDS, registrationEvent } from './support/events';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;
const COALESCE_S = 4;

interface AbandonedNotice {
  type: string;
  timestamp: string;
  data: {
    connection_id: string;
    count: number;
    since: string;
    window_s: number;
    first_failures: Array<{ delivery_id: string; status_code: number | null; error: string | null }>;
  };
}

/**
 * Notifications (issue 12, item 2; decision 0026) through the whole pipeline: 50 deliveries
 * abandoned to one connection within FLOWLINE_NOTIFY_COALESCE_S make one signed
 * `delivery.abandoned` to the tenant's URL endpoint, and one email to its email endpoint, with the
 * count and the first failures.
 */
describe('notifications', () => {
  const smtp = new SmtpReceiver();
  const receiver = new HttpReceiver();
  let env: Record<string, string>;
  let topics: TopicNames;
  let kafka: KafkaTestClient;
  const tenant = `notify-${uniqueSuffix()}`;
  let cluster: TestCluster;
  let dataSource: DataSource;
  let api: ApiClient;
  let connectionId: string;
  let opsSecret: string;

  beforeAll(async () => {
    await Promise.all([smtp.start(), receiver.start()]);
    env = testEnvironment({
      FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
      FLOWLINE_SECRET_KEY: `notify-${uniqueSuffix()}`.repeat(4),
      FLOWLINE_NOTIFY_COALESCE_S: String(COALESCE_S),
      SMTP_URL: smtp.url,
    });
    topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
    kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
    receiver.responder = (request) => ({ status: request.path === '/ops' ? 200 : 503 });
    dataSource = await openDatabase(env);
    cluster = await startCluster(env, ['api']);
    api = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, tenant);
    const connection = await api.create('/connections', {
      name: 'down for good',
      url: `${receiver.url}/crm`,
      max_retries: 0,
      rate_limit_per_s: 1000,
      pause_after_failing_s: 0,
    });
    connectionId = connection.id;
    // No signing secret given: Flowline makes one and shows it once.
    const ops = await api.create('/notification-endpoints', {
      name: 'on-call',
      url: `${receiver.url}/ops`,
      events: ['delivery.abandoned'],
    });
    opsSecret = ops.signing_secret as string;
    expect(opsSecret).toMatch(/^whsec_/);
    expect((await api.call<{ signing_secret: string }>('GET', `/notification-endpoints/${ops.id}`)).body).toMatchObject(
      {
        signing_secret: '********',
      },
    );
    await api.create('/notification-endpoints', {
      name: 'ops mailbox',
      emails: ['ops@example.com'],
      events: ['delivery.abandoned', 'connection.paused'],
    });
    const mapping = await api.create('/mappings', { name: 'registration', fields: REGISTRATION_FIELDS });
    await api.create('/flows', {
      name: 'registrations',
      source: { types: ['registration.created'] },
      destination: { connection_id: connectionId, payload_mapping_id: mapping.id },
    });
    await cluster.close();
    cluster = await startCluster(env);
    api = api.at(cluster.url);
  });

  afterAll(async () => {
    await cluster?.close();
    await dataSource?.destroy();
    await kafka.close();
    await Promise.all([receiver.stop(), smtp.stop()]);
  });

  const opsNotices = () =>
    receiver.requests
      .filter((request) => request.path === '/ops')
      .map(
        (request) =>
          new Webhook(opsSecret).verify(request.body, request.headers as Record<string, string>) as AbandonedNotice,
      );

  it('50 abandoned deliveries make one coalesced, signed delivery.abandoned, and one email', async () => {
    const subjects = Array.from({ length: 10 }, (_, index) => `lead-${index}`);
    const producedAt = Date.now();
    await kafka.produceJson(
      topics.of(Topic.Ingest),
      subjects.flatMap((subject) =>
        [1, 2, 3, 4, 5].map((sequence) => ({
          key: `${tenant}:${subject}`,
          value: registrationEvent(tenant, subject, sequence),
        })),
      ),
    );
    const [notice] = await eventually('the delivery.abandoned notification', () =>
      opsNotices().length > 0 ? opsNotices() : undefined,
    );
    const noticedInMs = Date.now() - producedAt;
    const abandoned = await dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM deliveries WHERE tenant_id = $1 AND connection_id = $2 AND status = 'abandoned'`,
      [tenant, connectionId],
    );
    expect(abandoned).toHaveLength(50);
    expect(notice).toMatchObject({
      type: 'delivery.abandoned',
      data: { connection_id: connectionId, count: 50, window_s: COALESCE_S },
    });
    expect(notice!.data.first_failures).toHaveLength(10);
    for (const failure of notice!.data.first_failures) {
      expect(abandoned.map((row) => row.id)).toContain(failure.delivery_id);
      expect(failure).toMatchObject({ status_code: 503, error: 'HTTP 503' });
    }
    await smtp.waitForCount(1);
    const [email] = smtp.to('ops@example.com');
    expect(email!.subject).toBe('[Flowline] 50 deliveries abandoned to connection ' + connectionId);
    expect(email!.text).toContain('"count": 50');

    // All 50 are in this one message and none waits in a digest: no second message can follow.
    const pending = await dataSource.query('SELECT 1 FROM notification_digests WHERE connection_id = $1', [
      connectionId,
    ]);
    expect(pending).toEqual([]);
    expect(opsNotices()).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    const metrics = await (await fetch(`${cluster.url}/metrics`)).text();
    expect(metrics).toContain('flowline_notifications_total{type="delivery.abandoned",outcome="produced"} 1');
    process.stdout.write(
      `notifications: 50 abandoned deliveries told of in one delivery.abandoned ${noticedInMs} ms after the events ` +
        `(window ${COALESCE_S} s)\n`,
    );
  }, 120_000);
});
