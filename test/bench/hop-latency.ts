import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { Topic, TopicNames } from '@flowline/contracts';

/**
 * Where an event's latency goes, hop by hop, from the timestamps its records got when each hop
 * produced them (the services leave record timestamps to the producer): the benchmark's producer
 * to ingest's input, ingest, the evaluator, the mapper. The dispatcher's hop (its record to the
 * sink) is what is left of the end-to-end median.
 */
export interface HopLatencies {
  /** p50 / p99 in ms of each hop, for the events counted. */
  hops: Record<'produced' | 'ingest' | 'evaluator' | 'mapper', { p50: number; p99: number }>;
  events: number;
}

/** The events of `variant` numbered in [from, to): their records in the four topics of `topics`. */
export async function hopLatencies(
  brokers: string[],
  topics: TopicNames,
  eventIdPrefix: string,
  from: number,
  to: number,
): Promise<HopLatencies> {
  const indexOf = (id: unknown) =>
    typeof id === 'string' && id.startsWith(eventIdPrefix) ? Number(id.slice(eventIdPrefix.length)) : NaN;
  type Value = { id?: string; eventId?: string; event?: { id?: string }; data?: { sentAt?: number } };
  const read = (topic: Topic, idOf: (value: Value) => unknown) =>
    timestamps(brokers, topics.of(topic), (value) => indexOf(idOf(value as Value)), from, to);
  const sentAt = new Map<number, number>();
  const ingest = await timestamps(
    brokers,
    topics.of(Topic.Ingest),
    (value) => {
      const event = value as Value;
      const index = indexOf(event.id);
      if (typeof event.data?.sentAt === 'number') sentAt.set(index, event.data.sentAt);
      return index;
    },
    from,
    to,
  );
  const events = await read(Topic.Events, (value) => value.id);
  const actions = await read(Topic.Actions, (value) => value.event?.id);
  const deliveries = await read(Topic.Deliveries, (value) => value.eventId);
  const gaps = (later: Map<number, number>, earlier: Map<number, number>) =>
    [...later].flatMap(([index, at]) => (earlier.has(index) ? [at - earlier.get(index)!] : []));
  const spread = (values: number[]) => {
    values.sort((a, b) => a - b);
    const at = (p: number) => values[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;
    return { p50: at(50), p99: at(99) };
  };
  return {
    hops: {
      produced: spread(gaps(ingest, sentAt)),
      ingest: spread(gaps(events, ingest)),
      evaluator: spread(gaps(actions, events)),
      mapper: spread(gaps(deliveries, actions)),
    },
    events: ingest.size,
  };
}

/** The first record's timestamp of each event index in [from, to) found in `topic`, read whole. */
async function timestamps(
  brokers: string[],
  topic: string,
  indexOf: (value: unknown) => number,
  from: number,
  to: number,
): Promise<Map<number, number>> {
  const kafka = new Kafka({ clientId: 'bench-hops', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  let remaining = ends.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
  const found = new Map<number, number>();
  if (remaining === 0) return found;
  const consumer = kafka.consumer({ groupId: `bench-hops-${topic}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: ({ batch }) => {
          for (const message of batch.messages) {
            const value = parsed(message.value);
            if (value === null) continue;
            const index = indexOf(value);
            if (index >= from && index < to && !found.has(index)) found.set(index, Number(message.timestamp));
          }
          remaining -= batch.messages.length;
          if (remaining <= 0) resolve();
          return Promise.resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return found;
}

/** How late this process's event loop ran its callbacks while `work` ran: p50 and p99 in ms. */
export async function eventLoopDelayDuring<T>(
  work: () => Promise<T>,
): Promise<{ result: T; p50: number; p99: number }> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  try {
    const result = await work();
    return { result, p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6 };
  } finally {
    delay.disable();
  }
}

/** A record's JSON value, or null for one that is not JSON (it is not one of the events counted). */
function parsed(value: Buffer | null): unknown {
  try {
    return JSON.parse(value?.toString() ?? 'null');
  } catch {
    return null;
  }
}
