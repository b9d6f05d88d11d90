import { randomUUID } from 'node:crypto';
import { KafkaJSNonRetriableError } from 'kafkajs';
import { loadConfig } from '@flowline/config';
import { ConsumerRunner, createKafka } from '@flowline/kafka';
import { createLogger, FlowlineMetrics } from '@flowline/observability';
import { KafkaTestClient } from '@flowline/testing';

/** The consumer runner against the real broker, where a unit test could only guess. */
describe('ConsumerRunner', () => {
  const brokers = loadConfig().KAFKA_BROKERS;
  const logger = createLogger('silent');
  const client = new KafkaTestClient(brokers);

  afterAll(async () => {
    await client.close();
  });

  async function topicWithOneRecord(): Promise<string> {
    const topic = `runner-${randomUUID()}`;
    const admin = client.kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    await admin.disconnect();
    await client.produce(topic, [{ key: 'k', value: 'poison' }]);
    return topic;
  }

  it('reports a crash it cannot recover from, leaving the record uncommitted', async () => {
    const topic = await topicWithOneRecord();
    const groupId = `runner-${randomUUID()}`;
    let crashed: (error: Error) => void = () => undefined;
    const crash = new Promise<Error>((resolve) => (crashed = resolve));
    const runner = new ConsumerRunner({
      kafka: createKafka({ brokers, clientId: 'runner-test', logger }),
      groupId,
      topics: [topic],
      handler: () => Promise.reject(new KafkaJSNonRetriableError('this record can never be handled')),
      logger,
      metrics: new FlowlineMetrics(),
      onCrash: crashed,
    });
    await runner.start();
    const error = await crash;
    expect(error.message).toContain('this record can never be handled');
    await runner.stop();

    const admin = client.kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    expect(offsets!.partitions[0]!.offset).toBe('-1'); // nothing committed: the record is still there
  });
});
