// First, before kafkajs loads: its produce path is patched as Flowline's processes run it (decision 0040).
import '@flowline/kafka';
import { randomUUID } from 'node:crypto';
import { Consumer, IHeaders, Kafka, KafkaConfig, logLevel, Producer } from 'kafkajs';

/** How long a send that fails for a passing reason (brokers away, a leader moving) is tried again. */
const RESEND_FOR_MS = 300_000;

export interface CollectedMessage {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/**
 * Kafka from the outside, as an upstream producer or an operator reading a topic would use it
 * (plain kafkajs, no Flowline code), for tests and benchmarks.
 */
export class KafkaTestClient {
  readonly kafka: Kafka;
  private producer: Producer | undefined;
  private readonly consumers: Consumer[] = [];

  /** `security`: TLS and SASL for a secured broker (e.g. `kafkaSecurity(config)` of `@flowline/kafka`). */
  constructor(brokers: string[], security: Pick<KafkaConfig, 'ssl' | 'sasl'> = {}) {
    this.kafka = new Kafka({ clientId: 'flowline-test', brokers, logLevel: logLevel.NOTHING, ...security });
  }

  async produce(
    topic: string,
    messages: Array<{
      key?: Buffer | string | null;
      value: Buffer | string | null;
      headers?: IHeaders;
      timestamp?: string;
      partition?: number;
    }>,
  ): Promise<void> {
    if (!this.producer) {
      // kafkajs 2.2.4 loses messages when it retries a request spanning several brokers after a
      // leader moved (docs/decisions/0029-producer-resends-whole-requests.md): an upstream
      // producer must send a failed request again whole, and so does this one, for at most
      // RESEND_FOR_MS. (Flowline's own producer does the same; this client uses no Flowline code.)
      this.producer = this.kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
      await this.producer.connect();
    }
    const giveUpAt = Date.now() + RESEND_FOR_MS;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.producer.send({ topic, acks: -1, messages });
        return;
      } catch (error) {
        const transient =
          error instanceof Error &&
          (error.name === 'KafkaJSNumberOfRetriesExceeded' || (error as { retriable?: boolean }).retriable === true);
        if (!transient || Date.now() > giveUpAt) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
      }
    }
  }

  /** Produces JSON values keyed as given, in order; a record's time (epoch ms) may be given, as a producer may. */
  async produceJson(
    topic: string,
    messages: Array<{ key: string; value: unknown; timestamp?: number; partition?: number }>,
  ): Promise<void> {
    await this.produce(
      topic,
      messages.map((message) => ({
        key: message.key,
        value: JSON.stringify(message.value),
        ...(message.timestamp === undefined ? {} : { timestamp: String(message.timestamp) }),
        ...(message.partition === undefined ? {} : { partition: message.partition }),
      })),
    );
  }

  /**
   * Reads `topic` from the beginning in a fresh group until `count` messages arrived; resolves
   * with them (event-driven, bounded by `timeoutMs`).
   */
  async collect(topic: string, count: number, timeoutMs = 60_000): Promise<CollectedMessage[]> {
    if (count <= 0) return [];
    const consumer = this.kafka.consumer({ groupId: `collector-${randomUUID()}` });
    this.consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const collected: CollectedMessage[] = [];
    return new Promise<CollectedMessage[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        void consumer.disconnect();
        reject(new Error(`collected ${collected.length} of ${count} messages from ${topic} within ${timeoutMs} ms`));
      }, timeoutMs);
      void consumer
        .run({
          eachMessage: ({ partition, message }) => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(message.headers ?? {})) {
              const first = Array.isArray(value) ? value[0] : value;
              if (first !== undefined) headers[name] = first.toString();
            }
            collected.push({
              key: message.key?.toString() ?? null,
              value: message.value,
              headers,
              partition,
              offset: message.offset,
            });
            if (collected.length >= count) {
              clearTimeout(timer);
              resolve(collected);
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    }).finally(() => consumer.disconnect());
  }

  /** The sum of all partitions' end offsets of a topic: how many records it ever received. */
  async recordCount(topic: string): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.disconnect().catch(() => undefined)));
    await this.producer?.disconnect();
  }
}
