import { Kafka } from 'kafkajs';
import { Topic, TopicNames } from '@flowline/contracts';

/**
 * Resolves once `group` has committed every record of `topic`: the service has handled all of
 * them. Kafka sends no event for this, so it is polled, quickly and within a deadline.
 */
export async function waitForGroupCaughtUp(
  kafka: Kafka,
  group: string,
  topic: string,
  timeoutMs = 60_000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const behind = ends.filter((end) => {
        const done = committed?.partitions.find((partition) => partition.partition === end.partition)?.offset ?? '-1';
        return Number(end.high) > 0 && Number(done) < Number(end.high);
      });
      if (behind.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(`${group} still behind on ${topic} partitions ${behind.map((b) => b.partition).join(',')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Resolves once every pipeline hop has handled everything produced so far. */
export async function waitForPipelineDrained(kafka: Kafka, topics: TopicNames): Promise<void> {
  for (const [service, topic] of [
    ['ingest', Topic.Ingest],
    ['flow-evaluator', Topic.Events],
    ['sequence-detector', Topic.Events],
    ['mapper', Topic.Actions],
    ['dispatcher', Topic.Deliveries],
  ] as const) {
    await waitForGroupCaughtUp(kafka, topics.group(service), topics.of(topic));
  }
}
