import { randomUUID } from 'node:crypto';
import { loadConfig } from '@flowline/config';
import { MAX_RECORD_BYTES, TOPIC_MAX_MESSAGE_BYTES } from '@flowline/contracts';
import { createKafka, FlowlineProducer, OutgoingMessage, RecordRefusedCode, RecordRefusedError } from '@flowline/kafka';
import { createLogger } from '@flowline/observability';
import { KafkaTestClient } from '@flowline/testing';

/**
 * The producer's group commit against the real broker (issue 9 row 1): one caller's message the
 * broker would refuse must not fail the other callers whose messages share its request.
 */
describe('FlowlineProducer', () => {
  const brokers = loadConfig().KAFKA_BROKERS;
  const client = new KafkaTestClient(brokers);
  const producer = new FlowlineProducer(
    createKafka({ brokers, clientId: 'producer-test', logger: createLogger('silent') }),
  );

  async function topic(maxMessageBytes: number): Promise<string> {
    const name = `producer-${randomUUID()}`;
    const admin = client.kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: name,
          numPartitions: 2,
          configEntries: [{ name: 'max.message.bytes', value: String(maxMessageBytes) }],
        },
      ],
    });
    await admin.disconnect();
    return name;
  }

  const message = (topicName: string, key: string, value: unknown): OutgoingMessage => ({
    topic: topicName,
    key,
    value,
    type: 'test',
  });

  beforeAll(() => producer.connect());

  afterAll(async () => {
    await producer.disconnect();
    await client.close();
  });

  it('refuses a message over MAX_RECORD_BYTES for its caller alone, before it joins the shared request', async () => {
    const name = await topic(TOPIC_MAX_MESSAGE_BYTES);
    // Sent together, while a first send is in flight: all three would share the next request.
    const first = producer.send([message(name, 'a', { n: 1 })]);
    const oversized = producer.send([message(name, 'b', { blob: 'x'.repeat(MAX_RECORD_BYTES) })]);
    const other = producer.send([message(name, 'c', { n: 2 })]);
    await expect(oversized).rejects.toBeInstanceOf(RecordRefusedError);
    await expect(oversized).rejects.toMatchObject({ code: RecordRefusedCode.TooLarge, retriable: false });
    await expect(first).resolves.toBeUndefined();
    await expect(other).resolves.toBeUndefined();
    const stored = await client.collect(name, 2);
    expect(stored.map((record) => record.key).sort()).toEqual(['a', 'c']);
    expect(await client.recordCount(name)).toBe(2);
  });

  it("sends each caller's messages alone when the broker refuses records of a shared request", async () => {
    // A topic created by hand with a lower limit than Flowline's: only the broker knows it.
    const small = await topic(10_000);
    const normal = await topic(TOPIC_MAX_MESSAGE_BYTES);
    const warmUp = producer.send([message(normal, 'w', { n: 0 })]);
    const refused = producer.send([message(small, 'big', { blob: 'x'.repeat(20_000) })]);
    const fine = producer.send([message(normal, 'ok', { n: 1 }), message(small, 'small', { n: 2 })]);
    await expect(refused).rejects.toThrow();
    await expect(fine).resolves.toBeUndefined();
    await expect(warmUp).resolves.toBeUndefined();
    const inSmall = await client.collect(small, 1);
    expect(inSmall.map((record) => record.key)).toContain('small');
    // The shared request wrote `ok` before the broker refused the rest, and it went again alone:
    // twice, which at least once allows.
    const inNormal = await client.collect(normal, await client.recordCount(normal));
    expect(new Set(inNormal.map((record) => record.key))).toEqual(new Set(['w', 'ok']));
  });
});
