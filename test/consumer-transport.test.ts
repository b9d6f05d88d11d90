import { randomUUID } from 'node:crypto';
import { Controller, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { KafkaJSNonRetriableError } from 'kafkajs';
import { loadConfig } from '@flowline/config';
import { TopicNames } from '@flowline/contracts';
import { ConsumedRecord, createKafka } from '@flowline/kafka';
import { createLogger, FlowlineMetrics } from '@flowline/observability';
import { ChunkContext, connectConsumers, consumerGroup } from '@flowline/runtime';
import { KafkaTestClient } from '@flowline/testing';
import { eventually } from './support/eventually';

/** What the handlers below saw: each group's chunks, as (topic, partition, values). */
const seen = new Map<string, Array<{ topic: string; partition: number; values: string[] }>>();
let failNext: Error | undefined;

function record(group: string, records: ConsumedRecord[], context: ChunkContext): void {
  const chunks = seen.get(group) ?? [];
  chunks.push({
    topic: context.getTopic(),
    partition: context.getPartition(),
    values: records.map((one) => one.value!.toString()),
  });
  seen.set(group, chunks);
}

/** Two services' consumers of one topic, composed in one application as the cluster composes them. */
@Controller()
class AuditController {
  // `<string>`: Nest's typed overload of EventPattern allows no second parameter (the context).
  @EventPattern<string>('things', consumerGroup('audit'))
  handle(@Payload() records: ConsumedRecord[], @Ctx() context: ChunkContext): Promise<void> {
    record('audit', records, context);
    return Promise.resolve();
  }
}

@Controller()
class BillingController {
  @EventPattern<string>('things', consumerGroup('billing'))
  async handle(@Payload() records: ConsumedRecord[], @Ctx() context: ChunkContext): Promise<void> {
    const failure = failNext;
    failNext = undefined;
    if (failure) throw failure;
    await Promise.resolve();
    record('billing', records, context);
  }
}

@Module({ controllers: [AuditController] })
class AuditModule {}

@Module({ controllers: [BillingController] })
class BillingModule {}

/** The consumer runner as a Nest transport, against the real broker. */
describe('ConsumerTransport', () => {
  const brokers = loadConfig().KAFKA_BROKERS;
  const logger = createLogger('silent');
  const client = new KafkaTestClient(brokers);
  const topics = new TopicNames(`transport-${randomUUID()}.`);
  const crashes: Error[] = [];
  let app: INestApplication;

  beforeAll(async () => {
    const admin = client.kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: topics.of('things'), numPartitions: 2 }] });
    await admin.disconnect();
    app = await NestFactory.create({ module: class App {}, imports: [AuditModule, BillingModule] }, { logger: false });
    connectConsumers(app, {
      kafka: createKafka({ brokers, clientId: 'transport-test', logger }),
      topics,
      logger,
      metrics: new FlowlineMetrics(),
      onCrash: (error) => crashes.push(error),
      sessionTimeoutMs: 6000,
    });
    await app.init();
    await app.startAllMicroservices();
  });

  afterAll(async () => {
    await app?.close();
    await client.close();
  });

  async function committed(group: string): Promise<number> {
    const admin = client.kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId: topics.group(group), topics: [topics.of('things')] });
    await admin.disconnect();
    return offsets!.partitions.reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
  }

  it('hands each service’s handler every record, in chunks of one partition, and commits them', async () => {
    await client.produce(
      topics.of('things'),
      Array.from({ length: 20 }, (_, index) => ({ key: `key-${index % 5}`, value: `thing-${index}` })),
    );
    for (const group of ['audit', 'billing']) {
      await eventually(`${group} committed every record`, async () =>
        (await committed(group)) === 20 ? true : undefined,
      );
      const chunks = seen.get(group)!;
      expect(chunks.flatMap((chunk) => chunk.values).sort()).toEqual(
        Array.from({ length: 20 }, (_, index) => `thing-${index}`).sort(),
      );
      for (const chunk of chunks) expect(chunk.topic).toBe(topics.of('things'));
      // One key's records stay in their partition's order.
      const key0 = chunks.flatMap((chunk) => chunk.values).filter((value) => Number(value.slice(6)) % 5 === 0);
      expect(key0).toEqual(['thing-0', 'thing-5', 'thing-10', 'thing-15']);
    }
    expect(crashes).toEqual([]);
  });

  it('commits nothing a handler failed on, and passes its error on as thrown', async () => {
    const fatal = new KafkaJSNonRetriableError('this chunk can never be handled');
    failNext = fatal;
    await client.produce(topics.of('things'), [{ key: 'key-0', value: 'poison' }]);
    await eventually('the consumer crashed', () => (crashes.length > 0 ? true : undefined));
    // The handler's own error, not Nest's "Internal server error": kafkajs told from its type that
    // a retry would not help, so the consumer crashed instead of retrying forever.
    expect(crashes[0]).toBeInstanceOf(KafkaJSNonRetriableError);
    expect(crashes[0]!.message).toBe(fatal.message);
    expect(await committed('billing')).toBe(20);
    // The other service's group is not held up by it.
    await eventually('audit committed the new record', async () =>
      (await committed('audit')) === 21 ? true : undefined,
    );
  });
});
