import { CompressionTypes, Kafka, Partitioners, Producer } from 'kafkajs';
import { encodeHeaders, encodeValue, OutgoingMessage } from './json-codec';

/**
 * The process's idempotent producer. `send` resolves only when the broker has acknowledged every
 * message (acks=all), which is what allows a consumer to commit the offsets that produced them.
 */
export class FlowlineProducer {
  private readonly producer: Producer;

  constructor(kafka: Kafka) {
    // Idempotence keeps kafkajs's internal retries from writing a message twice or out of order.
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Java-compatible murmur2 partitioning, so a key lands where any Kafka client would put it.
      createPartitioner: Partitioners.DefaultPartitioner,
      // While the broker is away a send waits rather than fails: the consumer stops committing
      // and resumes where it was, so nothing is lost and nothing is reordered.
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 30_000 },
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  async send(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const message of messages) {
      const list = byTopic.get(message.topic) ?? [];
      list.push(message);
      byTopic.set(message.topic, list);
    }
    await this.producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((message) => ({
          key: message.key,
          value: encodeValue(message),
          headers: encodeHeaders(message),
        })),
      })),
    });
  }
}
