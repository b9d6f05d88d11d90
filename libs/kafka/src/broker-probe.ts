import type { Kafka } from 'kafkajs';
import { withTimeout } from './with-timeout';

/** Asks the cluster for its brokers: how `/health/ready` tells that Kafka is reachable. */
export async function describeBrokers(kafka: Kafka, timeoutMs: number): Promise<{ brokers: number }> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await withTimeout(admin.connect(), timeoutMs);
    const cluster = await withTimeout(admin.describeCluster(), timeoutMs);
    return { brokers: cluster.brokers.length };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
