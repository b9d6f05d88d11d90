import { Kafka } from 'kafkajs';
import { SERVICE_NAMES, ServiceName } from '@flowline/config';
import { RETRY_TIERS, retryTopic, Topic, TopicNames } from '@flowline/contracts';

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

/**
 * Resolves once every pipeline hop of `services` (by default all of them) has handled everything
 * produced so far, the dispatcher's retry tiers included: a retry record not yet attempted is
 * work still to do, and a handled one has its attempt stored.
 */
export async function waitForPipelineDrained(
  kafka: Kafka,
  topics: TopicNames,
  services: readonly ServiceName[] = SERVICE_NAMES,
  timeoutMs = 60_000,
): Promise<void> {
  const retryTiers = Array.from({ length: RETRY_TIERS }, (_, index) => retryTopic(index + 1));
  const hops: Array<[ServiceName, string]> = [
    ['ingest', Topic.Ingest],
    ['flow-evaluator', Topic.Events],
    ['sequence-detector', Topic.Events],
    ['mapper', Topic.Actions],
    ['dispatcher', Topic.Deliveries],
    ...retryTiers.map((tier): [ServiceName, string] => ['dispatcher', tier]),
  ];
  for (const [service, topic] of hops) {
    if (services.includes(service))
      await waitForGroupCaughtUp(kafka, topics.group(service), topics.of(topic), timeoutMs);
  }
}
