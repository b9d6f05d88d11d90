import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, seedIntegration, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ClusterProcess } from './support/cluster-process';
import { waitForPipelineDrained } from './support/consumer-groups';
import { openDatabase } from './support/database';
import { REGISTRATION_FIELDS, registrationEvent } from './support/events';

describe('SIGTERM during a stream', () => {
  const env = testEnvironment();
  const config = loadConfig(env);
  const topics = new TopicNames(config.FLOWLINE_TOPIC_PREFIX);
  const tenant = `tenant-${uniqueSuffix()}`;
  const receiver = new HttpReceiver();
  const kafka = new KafkaTestClient(config.KAFKA_BROKERS);
  let cluster: ClusterProcess;

  beforeAll(async () => {
    await receiver.start();
    const dataSource = await openDatabase(env);
    await seedIntegration(dataSource, {
      tenantId: tenant,
      receiverUrl: receiver.url,
      eventTypes: ['registration.created'],
      fields: REGISTRATION_FIELDS,
    });
    await dataSource.destroy();
  });

  afterAll(async () => {
    await cluster?.stop('SIGKILL');
    await kafka.close();
    await receiver.stop();
  });

  it('loses nothing and delivers nothing twice', async () => {
    const total = 3000;
    const events = Array.from({ length: total }, (_, index) => registrationEvent(tenant, `lead-${index % 100}`, index));
    const produce = (slice: typeof events) =>
      kafka.produceJson(
        topics.of(Topic.Ingest),
        slice.map((event) => ({ key: `${tenant}:${event.subject}`, value: event })),
      );

    cluster = new ClusterProcess(env);
    await cluster.start();
    await produce(events.slice(0, 2000));
    // Stop while the stream is in flight: some webhooks are out, many are not.
    await receiver.waitForCount(300);
    const stopped = await cluster.stop('SIGTERM');
    expect(stopped.code === 0 || stopped.signal === 'SIGTERM').toBe(true);
    expect(cluster.logLines.join('\n')).toContain('consumer stopped');
    const deliveredBeforeStop = receiver.requests.length;
    expect(deliveredBeforeStop).toBeLessThan(total);

    // Upstream keeps producing while Flowline is down; a new process takes over.
    await produce(events.slice(2000));
    cluster = new ClusterProcess(env);
    await cluster.start();
    await receiver.waitForCount(total, 120_000);
    await waitForPipelineDrained(kafka.kafka, topics);

    const ids = receiver.requests.map((request) => request.headers['webhook-id']);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    const sequences = new Set(receiver.bodies<{ sequence: number }>().map((body) => body.sequence));
    expect(sequences.size).toBe(total);
  });
});
