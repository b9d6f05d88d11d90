import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '@flowline/config';
import { TopicNames } from '@flowline/contracts';
import { createKafka, ensureTopics } from '@flowline/kafka';
import { KafkaTestClient, uniqueSuffix } from '@flowline/testing';

/** A logger that keeps every line it is given (kafkajs's included), at debug and above. */
function capturingLogger(): { logger: pino.Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

describe('topic provisioning', () => {
  const brokers = loadConfig().KAFKA_BROKERS;
  const client = new KafkaTestClient(brokers);

  afterAll(() => client.close());

  it('creates the topics once when two services start at the same moment, without an error line', async () => {
    const topics = new TopicNames(`test-${uniqueSuffix()}.`);
    const durability = { partitions: 3, replicationFactor: 1, minInsyncReplicas: 1 };
    const services = [capturingLogger(), capturingLogger()];

    const created = await Promise.all(
      services.map(({ logger }) =>
        ensureTopics(createKafka({ brokers, clientId: 'provisioner', logger }), topics.specs(), durability),
      ),
    );

    // Every topic was created by exactly one of them.
    const all = topics.specs().map((spec) => spec.name);
    expect([...created[0]!, ...created[1]!].sort()).toEqual([...all].sort());
    for (const { lines } of services) expect(lines.filter((line) => line.level >= 50)).toEqual([]);

    const admin = client.kafka.admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: all });
      for (const topic of metadata.topics) {
        expect(topic.partitions).toHaveLength(3);
        for (const partition of topic.partitions) {
          expect(partition.replicas).toHaveLength(1);
          expect(partition.leader).toBeGreaterThanOrEqual(0);
        }
      }
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: all[0]!, configNames: ['min.insync.replicas', 'max.message.bytes'] }],
      });
      const entries = Object.fromEntries(configs.resources[0]!.configEntries.map((entry) => [entry.configName, entry]));
      expect(entries['min.insync.replicas']).toMatchObject({ configValue: '1', isDefault: false });
      expect(entries['max.message.bytes']!.configValue).toBe(String(topics.specs()[0]!.config['max.message.bytes']));
    } finally {
      await admin.disconnect();
    }

    // A third service later finds them all and creates nothing.
    const later = capturingLogger();
    await expect(
      ensureTopics(createKafka({ brokers, clientId: 'provisioner', logger: later.logger }), topics.specs(), durability),
    ).resolves.toEqual([]);
  });
});
