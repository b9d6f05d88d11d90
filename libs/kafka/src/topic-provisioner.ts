import { Kafka } from 'kafkajs';

/**
 * Creates the topics that do not exist yet, with the configured partition count. Existing topics
 * are left alone: repartitioning would move keys between partitions and break per-subject order.
 */
export interface TopicSpec {
  name: string;
  config: Record<string, string>;
}

export async function ensureTopics(kafka: Kafka, topics: TopicSpec[], partitions: number): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic: topic.name,
          numPartitions: partitions,
          replicationFactor: -1,
          configEntries: Object.entries(topic.config).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    return missing.map((topic) => topic.name);
  } finally {
    await admin.disconnect();
  }
}
