import { loadConfig, SERVICE_NAMES } from '@flowline/config';
import { messageKey, Topic } from '@flowline/contracts';
import { createDataSource, FlowsRepository, runMigrations } from '@flowline/db';
import { Infrastructure, launch } from '@flowline/runtime';
import { HttpReceiver, KafkaTestClient, seedIntegration } from '@flowline/testing';
import { SERVICE_MODULES } from './service-modules';

const DEMO_TENANT = 'demo';

/** Sequel's "New Registration" payload example (reference 000), as a Flowline mapping. */
const DEMO_FIELDS = [
  { target: 'email', source: 'profile.email' },
  { target: 'firstName', source: 'profile.first_name' },
  { target: 'lastName', source: 'profile.last_name' },
  { target: 'fullName', source: 'profile.full_name' },
  { target: 'status', source: 'registration.status' },
  { target: 'company_name', source: 'profile.organization' },
  { target: 'job_title', source: 'profile.position' },
  { target: 'event_id', source: 'event.id' },
  { target: 'event_name', source: 'event.name' },
  { target: 'traffic_source', source: 'registration.utm.source' },
  { target: 'campaign_name', source: 'registration.utm.campaign' },
  { target: 'utm_medium', source: 'registration.utm.medium' },
  { target: 'data_source', value: 'sequel_integration' },
];

function registration(
  id: string,
  subject: string,
  first: string,
  last: string,
  company: string,
  title: string,
  minutesAgo: number,
) {
  return {
    id,
    tenant: DEMO_TENANT,
    type: 'registration.created',
    subject,
    time: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    source: 'sequel',
    data: {
      profile: {
        first_name: first,
        last_name: last,
        full_name: `${first} ${last}`,
        email: `${first.toLowerCase()}.${last.toLowerCase()}@example.com`,
        organization: company,
        position: title,
      },
      registration: {
        status: 'registered',
        utm: { source: 'linkedin', medium: 'social', campaign: 'Q1_2025_launch' },
      },
      event: { id: 'evt_abc123xyz', name: 'Q1 Product Launch Webinar' },
    },
  };
}

/**
 * `main.js demo`: every service in this process, a receiver on loopback that prints what it
 * gets, a demo tenant whose flow maps registrations to Sequel's payload, and sample events
 * produced to the ingest topic, as an upstream system would.
 */
export async function runDemo(env?: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env);
  const receiver = new HttpReceiver();
  receiver.responder = (request) => {
    process.stdout.write(
      `\n\u001b[32m<- webhook received\u001b[0m ${request.method} ${request.path}\n` +
        `   webhook-id: ${String(request.headers['webhook-id'])}  user-agent: ${String(request.headers['user-agent'])}\n` +
        `   ${JSON.stringify(JSON.parse(request.body), null, 2).replace(/\n/g, '\n   ')}\n`,
    );
    return { status: 200 };
  };
  await receiver.start(config.FLOWLINE_DEMO_RECEIVER_PORT);

  // Configuration first: services load it when they start, so the first event meets it.
  const dataSource = createDataSource(config.DATABASE_URL, { poolSize: 1 });
  await dataSource.initialize();
  await runMigrations(dataSource);
  await new FlowsRepository(dataSource).removeAll(DEMO_TENANT);
  await seedIntegration(dataSource, {
    tenantId: DEMO_TENANT,
    receiverUrl: `${receiver.url}/webhooks/crm`,
    eventTypes: ['registration.created'],
    fields: DEMO_FIELDS,
    headers: { 'X-Company-ID': 'company_12345' },
  });
  await dataSource.destroy();

  const cluster = await launch({
    names: [...SERVICE_NAMES],
    modules: SERVICE_NAMES.map((name) => SERVICE_MODULES[name]),
    ...(env ? { env } : {}),
  });
  const { topics } = cluster.app.get(Infrastructure);

  const events = [
    registration('demo-reg-john', 'att_john', 'John', 'Doe', 'Acme Corp', 'Marketing Director', 3),
    registration('demo-reg-jane', 'att_jane', 'Jane', 'Smith', 'Globex', 'Head of Demand Generation', 2),
    registration('demo-reg-ravi', 'att_ravi', 'Ravi', 'Patel', 'Initech', 'VP Sales', 1),
  ];
  const upstream = new KafkaTestClient(config.KAFKA_BROKERS);
  // A run id makes each run's events new; without it a second run would be de-duplicated.
  const runId = Date.now().toString(36);
  await upstream.produceJson(
    topics.of(Topic.Ingest),
    events.map((event) => ({
      key: messageKey(event.tenant, event.subject),
      value: { ...event, id: `${event.id}-${runId}` },
    })),
  );
  await upstream.close();
  process.stdout.write(
    `\nFlowline is running: ${events.length} sample registrations produced to ${topics.of(Topic.Ingest)}.\n` +
      `Receiver: ${receiver.url}/webhooks/crm   Metrics: ${cluster.url}/metrics   Ready: ${cluster.url}/health/ready\n` +
      `Produce more events to ${topics.of(Topic.Ingest)} (see README); Ctrl-C stops.\n`,
  );
  process.once('SIGINT', () => void receiver.stop());
  process.once('SIGTERM', () => void receiver.stop());
}
