import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

/** Partitions of each topic assigned to this member, as kafkajs's GROUP_JOIN event gives them. */
export type Assignment = Readonly<Record<string, readonly number[]>>;

/** One partition's log start and end (high watermark). */
export interface PartitionEnds {
  partition: number;
  low: string;
  high: string;
}

/** One partition's committed offset; '-1' when the group never committed one. */
export interface CommittedOffset {
  partition: number;
  offset: string;
}

/**
 * The lag of each assigned topic: over its assigned partitions, the log end minus the group's
 * committed offset (the log start when it committed none: the group reads from the beginning).
 * What it fetched but did not commit yet counts as lag: it is not done.
 */
export function assignedLag(
  assignment: Assignment,
  ends: ReadonlyMap<string, readonly PartitionEnds[]>,
  committed: ReadonlyMap<string, readonly CommittedOffset[]>,
): Map<string, number> {
  const lag = new Map<string, number>();
  for (const [topic, partitions] of Object.entries(assignment)) {
    let total = 0;
    for (const partition of partitions) {
      const end = ends.get(topic)?.find((candidate) => candidate.partition === partition);
      if (end === undefined) continue;
      const done = committed.get(topic)?.find((candidate) => candidate.partition === partition)?.offset ?? '-1';
      const from = Number(done) >= 0 ? Number(done) : Number(end.low);
      total += Math.max(0, Number(end.high) - from);
    }
    lag.set(topic, total);
  }
  return lag;
}

export interface LagMonitorOptions {
  kafka: Kafka;
  groupId: string;
  logger: Logger;
  everyMs: number;
  /** Receives each topic's lag over this member's partitions after every measurement. */
  report: (topic: string, lag: number) => void;
}

/**
 * Measures a consumer group member's lag from the broker every few seconds: the committed
 * offsets of its assigned partitions against their log ends. It runs on its own timer, so the
 * lag keeps growing while the consumer is stalled in a slow chunk, paused, or rejoining its group
 * (and so not fetching), where a lag taken from fetched batches would stand still. Replicas
 * report their own partitions only, so the group's lag is the sum over its replicas.
 */
export class LagMonitor {
  private assignment: Assignment = {};
  private timer: NodeJS.Timeout | undefined;
  private admin: Admin | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: LagMonitorOptions) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.measure().finally(() => (this.running = undefined));
    }, this.options.everyMs);
    this.timer.unref();
  }

  /** The member's partitions after a rebalance; topics it no longer has are reported at 0. */
  assign(assignment: Assignment): void {
    for (const topic of Object.keys(this.assignment)) if (!(topic in assignment)) this.options.report(topic, 0);
    this.assignment = assignment;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }

  /** One measurement; while the brokers cannot answer, the last values stand. */
  async measure(): Promise<void> {
    const assignment = this.assignment;
    const topics = Object.keys(assignment).filter((topic) => (assignment[topic]?.length ?? 0) > 0);
    if (topics.length === 0) return;
    try {
      const admin = await this.connected();
      const ends = new Map<string, PartitionEnds[]>();
      for (const topic of topics) ends.set(topic, await admin.fetchTopicOffsets(topic));
      const committed = new Map<string, CommittedOffset[]>();
      for (const entry of await admin.fetchOffsets({ groupId: this.options.groupId, topics }))
        committed.set(entry.topic, entry.partitions);
      // A rebalance meanwhile made this measurement another assignment's: the next one counts.
      if (assignment !== this.assignment) return;
      for (const [topic, lag] of assignedLag(assignment, ends, committed)) this.options.report(topic, lag);
    } catch (err) {
      this.options.logger.debug({ err, groupId: this.options.groupId }, 'could not measure consumer lag');
      // A fresh admin client next time: this one may hold connections to brokers that went away.
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = undefined;
    }
  }

  private async connected(): Promise<Admin> {
    if (this.admin) return this.admin;
    const admin = this.options.kafka.admin({ retry: { retries: 1 } });
    await admin.connect();
    this.admin = admin;
    return admin;
  }
}
