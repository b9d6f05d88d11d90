import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { DeliveryV1, deliveryId, DLQ_HEADERS, Topic, TopicNames } from '@flowline/contracts';
import {
  HttpReceiver,
  KafkaTestClient,
  ReceivedEmail,
  SmtpReceiver,
  testEnvironment,
  uniqueSuffix,
} from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { waitForPipelineDrained } from './support/consumer-groups';
import { openDatabase } from './support/database';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;
const SMTP_PASSWORD = `pw-${uniqueSuffix()}${uniqueSuffix()}`;
const BUYING_INTENT = ['pricing_page_view', 'whitepaper_download', 'demo_request'];
const BOTH = 'Buying Intent: webhook and emails';
const EMAILS_ONLY = 'Buying Intent: emails only';

describe("a completed sequence's emails (docs/CONTRACT.md §7, reference 002)", () => {
  const smtp = new SmtpReceiver({ auth: { user: 'flowline', pass: SMTP_PASSWORD } });
  const receiver = new HttpReceiver();
  let env: Record<string, string>;
  let topics: TopicNames;
  let kafka: KafkaTestClient;
  let cluster: TestCluster;
  let dataSource: DataSource;
  const tenant = `leadvibe-${uniqueSuffix()}`;
  const sequences: Record<string, { id: string }> = {};

  beforeAll(async () => {
    await Promise.all([smtp.start(), receiver.start()]);
    env = testEnvironment({
      FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
      FLOWLINE_SECRET_KEY: `seqmail-${uniqueSuffix()}`.repeat(4),
      SMTP_URL: smtp.url,
      FLOWLINE_EMAIL_FROM: 'Flowline Alerts <alerts@flowline.test>',
    });
    topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
    kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
    dataSource = await openDatabase(env);
    // Triggers first, through the API; the detector loads them when it starts.
    cluster = await startCluster(env, ['api']);
    const api = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, tenant);
    sequences[BOTH] = await api.create('/sequences', {
      name: BOTH,
      event_types: BUYING_INTENT,
      window_seconds: 604800,
      window_unit: '7 days',
      ordered: true,
      webhook_url: `${receiver.url}/leadvibe`,
      emails: ['sales@example.com', 'ae@example.com'],
      email_subject: 'Hot lead: demo requested',
      email_preheader: 'This lead just completed the buying-intent sequence',
      email_message: 'Call them within the hour.\n\nTheir journey is below.',
    });
    sequences[EMAILS_ONLY] = await api.create('/sequences', {
      name: EMAILS_ONLY,
      event_types: BUYING_INTENT,
      window_seconds: 604800,
      ordered: false,
      emails: ['ops@example.com'],
      email_preheader: 'Any order <counts>',
      email_message: 'Heads up & <b>act</b>.',
    });
    await cluster.close();
    cluster = await startCluster(env);
  });

  afterAll(async () => {
    await cluster?.close();
    await dataSource?.destroy();
    await kafka?.close();
    await Promise.all([smtp.stop(), receiver.stop()]);
  });

  const event = (lead: string, id: string, type: string, time: string) => ({
    key: `${tenant}:${lead}`,
    value: { id, tenant, type, subject: lead, time, data: {} },
  });
  const buyingIntent = (lead: string, prefix: string) => [
    event(lead, `${prefix}-001`, 'pricing_page_view', '2025-01-10T09:00:00Z'),
    event(lead, `${prefix}-002`, 'whitepaper_download', '2025-01-12T14:30:00Z'),
    event(lead, `${prefix}-003`, 'demo_request', '2025-01-14T11:00:00Z'),
  ];
  const forLead = (lead: string, address: string): ReceivedEmail[] =>
    smtp.to(address).filter((message) => message.text.includes(`Lead: ${lead}\n`));
  const webhooksFor = (lead: string) => receiver.bodies<{ lead_id: string }>().filter((body) => body.lead_id === lead);
  /** The logged email deliveries of a lead, one per trigger: their ids are derived like the mapper's. */
  const emailDeliveries = (lead: string) =>
    dataSource.query<Array<{ id: string; status: string; attempts: number; connection_id: string | null }>>(
      'SELECT id, status, attempts, connection_id FROM deliveries WHERE id = ANY($1) ORDER BY sequence_id',
      [
        [BOTH, EMAILS_ONLY].map((name) =>
          deliveryId({
            tenant,
            eventId: `lead:${lead}`,
            origin: `sequence:${sequences[name]!.id}`,
            connectionId: 'emails',
          }),
        ),
      ],
    );
  const attemptCodes = async (deliveryId: string) =>
    (
      await dataSource.query<Array<{ status_code: number | null }>>(
        'SELECT status_code FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempted_at, id',
        [deliveryId],
      )
    ).map((attempt) => attempt.status_code);

  it("emails the reference's buying-intent lead once per trigger, and still sends the webhook once", async () => {
    await kafka.produceJson(topics.of(Topic.Ingest), [
      ...buyingIntent('ld_123', 'evt'),
      event('ld_123', 'evt-004', 'demo_request', '2025-01-14T12:00:00Z'),
    ]);
    await smtp.waitForCount(2); // one message per trigger, to all its addresses
    await receiver.waitForCount(1);
    await waitForPipelineDrained(kafka.kafka, topics);

    // Every address gets exactly one message; the two addresses of one trigger share it.
    for (const address of ['sales@example.com', 'ae@example.com', 'ops@example.com'])
      expect(forLead('ld_123', address)).toHaveLength(1);
    const [both] = forLead('ld_123', 'sales@example.com');
    expect(both).toBe(forLead('ld_123', 'ae@example.com')[0]);
    expect(both).toMatchObject({
      mailFrom: 'alerts@flowline.test',
      to: ['sales@example.com', 'ae@example.com'],
      subject: 'Hot lead: demo requested',
      user: 'flowline',
      messageId: expect.stringMatching(/^<msg_[\w-]+@flowline>$/),
    });
    expect(both!.text).toBe(
      [
        'This lead just completed the buying-intent sequence',
        '',
        'Call them within the hour.',
        '',
        'Their journey is below.',
        '',
        'Lead: ld_123',
        `Trigger: ${BOTH} (${sequences[BOTH]!.id})`,
        'Sequence: pricing_page_view > whitepaper_download > demo_request',
        'Events:',
        '- evt-001 pricing_page_view at 2025-01-10T09:00:00Z',
        '- evt-002 whitepaper_download at 2025-01-12T14:30:00Z',
        '- evt-003 demo_request at 2025-01-14T11:00:00Z',
        '',
      ].join('\n'),
    );
    const body = both!.html.slice(both!.html.indexOf('<body'));
    expect(body).toMatch(
      /^<body[^>]*>\n<div style="display:none;[^"]*">This lead just completed the buying-intent sequence<\/div>\n<p>Call them within the hour.<\/p>/,
    );
    for (const cell of ['ld_123', 'evt-001', 'pricing_page_view', '2025-01-12T14:30:00Z', 'demo_request'])
      expect(body).toContain(`<td>${cell}`);
    expect(both!.text).not.toContain('evt-004');

    const [only] = forLead('ld_123', 'ops@example.com');
    expect(only).toMatchObject({ to: ['ops@example.com'], subject: `Sequence completed: ${EMAILS_ONLY}` });
    expect(only!.text.split('\n')[0]).toBe('Any order <counts>');
    expect(only!.html).toContain('>Any order &lt;counts&gt;</div>');
    expect(only!.html).toContain('<p>Heads up &amp; &lt;b&gt;act&lt;/b&gt;.</p>');
    expect(only!.messageId).not.toBe(both!.messageId);

    // The webhook is the reference's, exactly once; the emails-only trigger has none.
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.body).toBe(
      JSON.stringify({
        trigger: { id: sequences[BOTH]!.id, name: BOTH, type: 'sequence' },
        lead_id: 'ld_123',
        sequence: BUYING_INTENT,
        events: [
          { id: 'evt-001', event_type: 'pricing_page_view', created_at: '2025-01-10T09:00:00Z' },
          { id: 'evt-002', event_type: 'whitepaper_download', created_at: '2025-01-12T14:30:00Z' },
          { id: 'evt-003', event_type: 'demo_request', created_at: '2025-01-14T11:00:00Z' },
        ],
      }),
    );

    // Logged like webhooks: one delivery per email, its SMTP reply code as the status code.
    const logged = await emailDeliveries('ld_123');
    expect(logged).toHaveLength(2);
    for (const delivery of logged) {
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, connection_id: null });
      expect(await attemptCodes(delivery.id)).toEqual([250]);
    }
    expect(logged.map((delivery) => `<${delivery.id}@flowline>`).sort()).toEqual(
      [both!.messageId, only!.messageId].sort(),
    );
  });

  it('retries an email the server defers (4xx) in place: it arrives once, both attempts logged', async () => {
    const before = smtp.replies.length;
    smtp.responder = (index) =>
      index === before ? { code: 451, message: '4.7.1 Greylisted, please try again' } : undefined;
    await kafka.produceJson(topics.of(Topic.Ingest), buyingIntent('ld_retry', 'r'));
    await smtp.waitForCount(smtp.messages.length + 2);
    await waitForPipelineDrained(kafka.kafka, topics);
    smtp.responder = () => undefined;

    expect(smtp.replies.slice(before)).toEqual([451, 250, 250]);
    for (const address of ['sales@example.com', 'ae@example.com', 'ops@example.com'])
      expect(forLead('ld_retry', address)).toHaveLength(1);
    expect(webhooksFor('ld_retry')).toHaveLength(1);
    const logged = await emailDeliveries('ld_retry');
    const codes = await Promise.all(logged.map((delivery) => attemptCodes(delivery.id)));
    expect(codes.sort()).toEqual([[250], [451, 250]]);
    expect(logged.map((delivery) => delivery.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('dead-letters an email the server refuses (5xx), without retrying; the webhook is unaffected', async () => {
    const before = smtp.replies.length;
    smtp.responder = () => ({ code: 550, message: '5.1.1 Mailbox unavailable' });
    await kafka.produceJson(topics.of(Topic.Ingest), buyingIntent('ld_refused', 'x'));
    const dead = await kafka.collect(topics.of(Topic.DeliveriesDlq), 2);
    await waitForPipelineDrained(kafka.kafka, topics);
    smtp.responder = () => undefined;

    expect(smtp.replies.slice(before)).toEqual([550, 550]);
    for (const record of dead) {
      expect(record.headers[DLQ_HEADERS.category]).toBe('general');
      expect(record.headers[DLQ_HEADERS.error]).toBe('SMTP 550: 5.1.1 Mailbox unavailable');
      expect(record.headers[DLQ_HEADERS.attempts]).toBe('1');
      expect((JSON.parse(record.value!.toString()) as DeliveryV1).channel).toBe('email');
    }
    expect(webhooksFor('ld_refused')).toHaveLength(1);
    const logged = await emailDeliveries('ld_refused');
    expect(logged.map((delivery) => [delivery.status, delivery.attempts])).toEqual([
      ['failed', 1],
      ['failed', 1],
    ]);
  });

  it('keeps the SMTP password and the addresses out of the metrics', async () => {
    const metrics = await (await fetch(`${cluster.url}/metrics`)).text();
    expect(metrics).toContain('flowline_');
    expect(metrics).not.toContain(SMTP_PASSWORD);
    expect(metrics).not.toContain('example.com');
  });
});

describe('an email delivery without an SMTP server configured', () => {
  const env = testEnvironment();
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startCluster(env, ['dispatcher']);
  });
  afterAll(async () => {
    await cluster?.close();
    await kafka.close();
  });

  it('is dead-lettered as a configuration problem, never skipped', async () => {
    const delivery: DeliveryV1 = {
      v: 1,
      id: 'msg_no_smtp',
      channel: 'email',
      tenant: 'acme',
      subject: 'ld_1',
      email: { to: ['sales@example.com'], subject: 'Hi', text: 'Hi', html: '<p>Hi</p>' },
      sequenceId: 'seq-1',
      eventId: 'evt-1',
      eventType: 'demo_request',
      body: null,
      headers: {},
      ingestedAt: Date.now(),
    };
    await kafka.produceJson(topics.of(Topic.Deliveries), [{ key: 'acme:ld_1', value: delivery }]);
    const [dead] = await kafka.collect(topics.of(Topic.DeliveriesDlq), 1);
    expect(dead!.headers[DLQ_HEADERS.category]).toBe('config');
    expect(dead!.headers[DLQ_HEADERS.error]).toMatch(/^SMTP_URL is not configured/);
    expect(JSON.parse(dead!.value!.toString())).toEqual(delivery);
    expect(cluster.crashes).toEqual([]);
  });
});
