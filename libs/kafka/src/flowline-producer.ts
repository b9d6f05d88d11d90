import { CompressionTypes, Kafka, Message, Producer } from 'kafkajs';
import { OutgoingMessage } from './json-codec';
import { KeyPartitioner } from './key-partitioner';
import { EncodedRecord, encodeRecord } from './record-size';

/** Below the broker's default `max.message.bytes` (1 MiB), with room for batch overhead. */
const MAX_REQUEST_BYTES = 900 * 1024;

/** The broker's answers that refuse the records themselves: the same records are refused again. */
const RECORD_REFUSALS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

/** The longest wait between two tries of a request while the brokers cannot take it. */
const MAX_RESEND_BACKOFF_MS = 5_000;

/** kafkajs wraps the broker's error (`type`) in the causes of the error it throws. */
function isRecordRefusal(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const type = (current as Error & { type?: unknown }).type;
    if (typeof type === 'string' && RECORD_REFUSALS.has(type)) return true;
  }
  return false;
}

/**
 * A failure the same request may get past later: the brokers unreachable, a leader moving. kafkajs
 * gives up on those at once here (no retries of its own, see the constructor) and says so with
 * `KafkaJSNumberOfRetriesExceeded`; the broker's refusals and authorization errors are final.
 */
function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'KafkaJSNumberOfRetriesExceeded' || (error as Error & { retriable?: boolean }).retriable === true
  );
}

interface PendingSend {
  records: EncodedRecord[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The process's producer. `send` resolves only when the brokers have acknowledged every message
 * (acks=all), which is what allows a consumer to commit the offsets that produced them.
 *
 * Order needs one request in flight per connection, so sends are group-committed: while a
 * request is in flight, the sends that arrive meanwhile (other partitions, other services of the
 * process) wait and then go together in the next request. An idle producer sends at once; a busy
 * one sends fewer, larger requests instead of queueing many small ones.
 *
 * A request that fails for a passing reason is sent again whole, after a backoff, until the
 * brokers take it (decision 0029). kafkajs's own retries are off: when a request spanning several
 * brokers fails on one of them, kafkajs 2.2.4 retries only to the brokers that have not answered
 * yet, so partitions whose leadership moved to a broker that had already answered are never sent
 * and their messages are lost while the send resolves (seen in the fault suite: 25 actions of a
 * kill -9'd broker's partitions never reached the mapper's output). Sent again whole, messages
 * that went the first time are written twice, which at-least-once allows and the ids downstream
 * absorb; kafkajs's idempotence is therefore off as well (it needs its own retries on).
 */
export class FlowlineProducer {
  private readonly producer: Producer;
  private queue: PendingSend[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: false,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Java-compatible murmur2 partitioning, so a key lands where any Kafka client would put it.
      createPartitioner: KeyPartitioner,
      // No retries inside kafkajs (see above): `sendRequest` sends the whole request again.
      retry: { retries: 0 },
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** Refuses new sends, lets the ones queued or in flight finish, then disconnects. */
  async disconnect(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.producer.disconnect();
  }

  /**
   * Resolves once every message is acknowledged; messages of one call keep their order. Every
   * message is encoded and measured here, before it joins a shared request: one that cannot be
   * sent (`RecordRefusedError`: over `MAX_RECORD_BYTES`, or not JSON) fails this call alone, and
   * nothing of it is sent. The broker's refusal would fail every caller in the request.
   */
  send(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('producer is closed'));
    return new Promise((resolve, reject) => {
      // Throws RecordRefusedError: the promise rejects with it, and nothing is queued.
      const records = messages.map((message) => encodeRecord(message));
      this.queue.push({ records, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const pending = this.queue;
      this.queue = [];
      try {
        await this.sendBatch(pending.flatMap((send) => send.records));
        for (const send of pending) send.resolve();
      } catch (error) {
        if (pending.length > 1 && isRecordRefusal(error)) {
          // One caller's records were refused (a topic created by hand with a lower limit than
          // Flowline's): the others must not fail with it. Each send goes again alone; what went
          // out the first time is sent twice, which at least once allows.
          await this.sendEachAlone(pending);
        } else {
          // Every caller's records stay uncommitted and are consumed again: at least once.
          for (const send of pending) send.reject(error);
        }
      }
    }
    this.flushing = undefined;
  }

  private async sendEachAlone(pending: PendingSend[]): Promise<void> {
    for (const send of pending) {
      try {
        await this.sendBatch(send.records);
        send.resolve();
      } catch (error) {
        send.reject(error);
      }
    }
  }

  /**
   * Sends in requests of at most MAX_REQUEST_BYTES: kafkajs writes all of a request's messages
   * for one partition as one record batch, which the broker refuses above `max.message.bytes`.
   * A message larger than the budget goes alone.
   */
  private async sendBatch(records: EncodedRecord[]): Promise<void> {
    let request: Array<{ topic: string; message: Message }> = [];
    let bytes = 0;
    for (const { topic, message, bytes: size } of records) {
      if (request.length > 0 && bytes + size > MAX_REQUEST_BYTES) {
        await this.sendRequest(request);
        request = [];
        bytes = 0;
      }
      request.push({ topic, message });
      bytes += size;
    }
    if (request.length > 0) await this.sendRequest(request);
  }

  /**
   * Sends one request, again and again while it fails for a passing reason: while the brokers are
   * away a send waits rather than fails, the consumer stops committing and resumes where it was,
   * so nothing is lost and nothing is reordered.
   */
  private async sendRequest(request: Array<{ topic: string; message: Message }>): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of request) {
      const list = byTopic.get(topic);
      if (list) list.push(message);
      else byTopic.set(topic, [message]);
    }
    const topicMessages = [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.producer.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages });
        return;
      } catch (error) {
        if (!isTransient(error)) throw error;
        const backoffMs = Math.min(MAX_RESEND_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 10));
        await new Promise((resolve) => setTimeout(resolve, backoffMs * (0.8 + 0.4 * Math.random())));
      }
    }
  }
}
