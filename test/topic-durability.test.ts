import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '@flowline/config';
import { TopicNames } from '@flowline/contracts';
import { createKafka, ensureTopics } from '@flowline/kafka';
import { KafkaTestClient, uniqueSuffix } from '@flowline/testing';
import { eventually } from './support/eventually';
import { localKafkaEnv } from './support/local-tls';

/**
 * FLOWLINE_REPLICATION_FACTOR and FLOWLINE_MIN_INSYNC_REPLICAS on the local three-broker cluster
 * (`kafka.sh start cluster`, which the test command runs).
 */
describe('topic durability on a three-broker cluster', () => {
  const config = loadConfig({
    ...localKafkaEnv('cluster'),
    FLOWLINE_REPLICATION_FACTOR: '3',
    FLOWLINE_MIN_INSYNC_REPLICAS: '2',
  });
  const brokers = config.KAFKA_BROKERS;
  const client = new KafkaTestClient(brokers);
  const logger = pino({ level: 'silent' }, new Writable({ write: (_chunk, _encoding, done) => done() }));

  afterAll(() => client.close());

  it('creates every topic with three replicas and min.insync.replicas 2', async () => {
    const topics = new TopicNames(`test-${uniqueSuffix()}.`);
    const names = topics.specs().map((spec) => spec.name);
    const created = await ensureTopics(createKafka({ brokers, clientId: 'durability', logger }), topics.specs(), {
      partitions: 3,
      replicationFactor: config.FLOWLINE_REPLICATION_FACTOR,
      minInsyncReplicas: config.FLOWLINE_MIN_INSYNC_REPLICAS,
    });
    expect(created.sort()).toEqual([...names].sort());

    const admin = client.kafka.admin();
    await admin.connect();
    try {
      // ensureTopics waited for leaders as one broker saw them; this client may ask another broker,
      // which learns of a new topic a moment later (UNKNOWN_TOPIC_OR_PARTITION until then).
      let lastRefusal: unknown;
      const described = await eventually('every broker knows the new topics', () =>
        admin.fetchTopicMetadata({ topics: names }).then(
          (metadata) => metadata.topics,
          (error: unknown) => void (lastRefusal = error),
        ),
      ).catch((error: Error) => {
        throw new Error(`${error.message} (last refusal: ${String(lastRefusal)})`);
      });
      expect(described.map((topic) => topic.name).sort()).toEqual([...names].sort());
      for (const topic of described)
        for (const partition of topic.partitions) {
          expect(new Set(partition.replicas).size).toBe(3);
          expect(partition.isr).toHaveLength(3);
        }
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({ type: 2, name, configNames: ['min.insync.replicas'] })),
      });
      for (const resource of resources)
        expect(resource.configEntries[0]).toMatchObject({ configValue: '2', isDefault: false });
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses more replicas than brokers, saying why', async () => {
    const topics = new TopicNames(`test-${uniqueSuffix()}.`);
    await expect(
      ensureTopics(createKafka({ brokers, clientId: 'durability', logger, retry: { retries: 0 } }), topics.specs(), {
        partitions: 1,
        replicationFactor: 4,
      }),
    ).rejects.toMatchObject({
      errors: expect.arrayContaining([expect.objectContaining({ type: 'INVALID_REPLICATION_FACTOR' })]),
    });
  });
});
