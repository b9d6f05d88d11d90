import type { Kafka, ProducerBatch } from 'kafkajs';
import { FlowlineProducer } from './flowline-producer';

/** kafkajs's producer as FlowlineProducer uses it: each `sendBatch` answered from a script. */
class ScriptedProducer {
  readonly batches: ProducerBatch[] = [];
  constructor(private readonly answers: Array<Error | undefined>) {}

  connect = () => Promise.resolve();
  disconnect = () => Promise.resolve();

  sendBatch = (batch: ProducerBatch): Promise<unknown[]> => {
    this.batches.push(batch);
    const answer = this.answers.shift();
    return answer ? Promise.reject(answer) : Promise.resolve([]);
  };
}

function kafkaError(name: string, retriable: boolean): Error {
  return Object.assign(new Error(name), { name, retriable });
}

const keysOf = (batch: ProducerBatch) =>
  batch.topicMessages!.flatMap(({ topic, messages }) => messages.map((message) => `${topic}/${String(message.key)}`));

describe('FlowlineProducer', () => {
  const messages = ['a', 'b', 'c'].map((key, index) => ({
    topic: index === 2 ? 'other' : 'events',
    key,
    value: { n: index },
    type: 'test',
  }));

  it('sends a request that failed for a passing reason again whole, and resolves once it is taken', async () => {
    // kafkajs gives up at once (no retries of its own): a leader moved, or the brokers are away.
    const kafka = new ScriptedProducer([kafkaError('KafkaJSNumberOfRetriesExceeded', false), undefined]);
    const producer = new FlowlineProducer({ producer: () => kafka } as unknown as Kafka);
    await producer.send(messages);
    expect(kafka.batches).toHaveLength(2);
    // Every message of every topic again, not only those of the broker that failed.
    expect(keysOf(kafka.batches[1]!)).toEqual(keysOf(kafka.batches[0]!));
    expect(keysOf(kafka.batches[1]!)).toEqual(['events/a', 'events/b', 'other/c']);
  });

  it('fails the send at once when the brokers refuse it for good', async () => {
    const kafka = new ScriptedProducer([kafkaError('KafkaJSProtocolError', false)]);
    const producer = new FlowlineProducer({ producer: () => kafka } as unknown as Kafka);
    await expect(producer.send(messages)).rejects.toThrow('KafkaJSProtocolError');
    expect(kafka.batches).toHaveLength(1);
  });
});
