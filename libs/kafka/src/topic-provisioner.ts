import { Admin, Kafka } from 'kafkajs';

export interface TopicSpec {
  name: string;
  config: Record<string, string>;
}

export interface TopicDurability {
  partitions: number;
  /** Replicas per partition; undefined: the broker's default.replication.factor. */
  replicationFactor?: number;
  /** min.insync.replicas of the created topics; undefined: the broker's default. */
  minInsyncReplicas?: number;
}

/**
 * Creates the topics that do not exist yet, with the configured partitions and durability.
 * Existing topics are left alone: repartitioning would move keys between partitions and break
 * per-subject order. Several services may provision at once: a topic another one created in the
 * meantime counts as there (kafkajs answers `false` when every failure is "already exists"), and
 * every topic is waited for until each of its partitions has a leader, whoever created it.
 * Returns the topics this call created.
 */
export async function ensureTopics(kafka: Kafka, topics: TopicSpec[], durability: TopicDurability): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0) return [];
    const created = await createEach(admin, missing, durability);
    await waitForLeaders(
      admin,
      missing.map((topic) => topic.name),
    );
    return created;
  } finally {
    await admin.disconnect();
  }
}

/**
 * One request per topic, so "created by us" is known per topic when another process races us:
 * kafkajs answers true when it created the topic and false when it already existed.
 */
async function createEach(admin: Admin, topics: TopicSpec[], durability: TopicDurability): Promise<string[]> {
  const results = await Promise.all(
    topics.map(async (topic) => {
      const created = await admin.createTopics({
        // Leaders are awaited below for every topic, including those another process created.
        waitForLeaders: false,
        topics: [
          {
            topic: topic.name,
            numPartitions: durability.partitions,
            replicationFactor: durability.replicationFactor ?? -1,
            configEntries: Object.entries(topicConfig(topic, durability)).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      return created ? [topic.name] : [];
    }),
  );
  return results.flat();
}

/** The topic's own settings plus min.insync.replicas when one is configured. */
export function topicConfig(topic: TopicSpec, durability: TopicDurability): Record<string, string> {
  return {
    ...topic.config,
    ...(durability.minInsyncReplicas !== undefined
      ? { 'min.insync.replicas': String(durability.minInsyncReplicas) }
      : {}),
  };
}

async function waitForLeaders(admin: Admin, names: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const leaderless = await leaderlessTopics(admin, names);
    if (leaderless.length === 0) return;
    if (Date.now() >= deadline)
      throw new Error(`topics without a partition leader after ${timeoutMs} ms: ${leaderless.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function leaderlessTopics(admin: Admin, names: string[]): Promise<string[]> {
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    const known = new Map(topics.map((topic) => [topic.name, topic]));
    return names.filter((name) => {
      const topic = known.get(name);
      return !topic || topic.partitions.length === 0 || topic.partitions.some((partition) => partition.leader < 0);
    });
  } catch {
    // A topic just created may not be in the broker's metadata yet (UNKNOWN_TOPIC_OR_PARTITION).
    return names;
  }
}
