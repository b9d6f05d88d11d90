import { Kafka, logLevel } from 'kafkajs';

/**
 * Deletes a benchmark run's topics and consumer groups (every name that starts with `prefix`).
 * Left behind, a day of runs filled the local broker with thousands of partitions and groups, and
 * it then took longer than `kafka.sh` waits to load them at its next start.
 */
export async function forgetKafkaRun(brokers: string[], prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: 'bench-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const groupIds = groups.map((group) => group.groupId).filter((groupId) => groupId.startsWith(prefix));
    if (groupIds.length > 0) await admin.deleteGroups(groupIds);
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}
