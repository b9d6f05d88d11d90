import type { Kafka } from 'kafkajs';
import { newestWindows, type PartitionWindow } from './newest-windows';

/** An offset of one partition of a topic, as Kafka writes it (a decimal string). */
export interface PartitionOffset {
  partition: number;
  offset: string;
}

/**
 * What a bounded read of one topic consumes: every partition from its group's committed position
 * up to (not including) its end. A `ConsumerRunner` given these bounds hands over no record at or
 * beyond an end, and reports when every partition has reached its end.
 */
export interface ReadBounds {
  topic: string;
  /** End offsets (exclusive), captured when the read first started. */
  ends: PartitionOffset[];
  /** Where the group stands now, for each partition. */
  positions: PartitionOffset[];
}

/**
 * Prepares a bounded read of `topic` by the consumer group `groupId` (a group of its own): the
 * ends are the ones given (a resumed read keeps those of its first start) or the topic's ends now;
 * a partition the group has no committed position for starts at its first record stamped at or
 * after `fromTimestamp` (at its end when there is none). The positions are committed for the group
 * before it consumes, so a restart of its consumer, or of the process, resumes where it was rather
 * than at the topic's latest offset, where it would never reach its end.
 *
 * A partition without a committed position can be set only while the group has no live member.
 * The first start sets every partition, so a resumed read normally needs no setting.
 */
export async function planBoundedRead(
  kafka: Kafka,
  options: { groupId: string; topic: string; fromTimestamp: number; ends?: PartitionOffset[] },
): Promise<ReadBounds> {
  const { groupId, topic } = options;
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Ends before starts: a record produced in between is after the end, not inside the read.
    const ends =
      options.ends ??
      (await admin.fetchTopicOffsets(topic))
        .map(({ partition, high }) => ({ partition, offset: high }))
        .sort((a, b) => a.partition - b.partition);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const positions = new Map<number, string>();
    for (const { partition, offset } of committed?.partitions ?? []) {
      if (Number(offset) >= 0) positions.set(partition, offset);
    }
    const unset = ends.filter(({ partition }) => !positions.has(partition));
    if (unset.length > 0) {
      // kafkajs answers a partition without a record from `fromTimestamp` on with its end.
      const starts = await admin.fetchTopicOffsetsByTimestamp(topic, options.fromTimestamp);
      const set = unset.map(({ partition }) => ({
        partition,
        offset: starts.find((start) => start.partition === partition)!.offset,
      }));
      await admin.setOffsets({ groupId, topic, partitions: set });
      for (const { partition, offset } of set) positions.set(partition, offset);
    }
    return {
      topic,
      ends,
      positions: ends.map(({ partition }) => ({ partition, offset: positions.get(partition)! })),
    };
  } finally {
    await admin.disconnect();
  }
}

/** Forgets a consumer group and its committed positions (a finished bounded read's group). */
export async function deleteConsumerGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups([groupId]);
  } finally {
    await admin.disconnect();
  }
}

/** A bounded read of a period's newest records, and what each partition's window leaves out. */
export interface NewestRead {
  bounds: ReadBounds;
  windows: PartitionWindow[];
}

/**
 * Plans a bounded read of the newest records of `topic` stamped in [fromTimestamp, toTimestamp):
 * each partition from its first offset at `fromTimestamp` up to its first at `toTimestamp` (its
 * end when none), cut to at most `maxRecords` offsets in all, the newest of each partition kept
 * (`newestWindows`). Nothing is committed: a `ConsumerRunner` with `seekToPositions` and a group
 * of its own reads it.
 */
export async function planNewestRead(
  kafka: Kafka,
  options: { topic: string; fromTimestamp: number; toTimestamp: number; maxRecords: number },
): Promise<NewestRead> {
  const { topic } = options;
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Ends before starts: a start can then only be later than its end, never miss a record before it.
    const ends = await admin.fetchTopicOffsetsByTimestamp(topic, options.toTimestamp);
    const starts = await admin.fetchTopicOffsetsByTimestamp(topic, options.fromTimestamp);
    const ranges = ends
      .map(({ partition, offset }) => {
        const end = BigInt(offset);
        const start = BigInt(starts.find((candidate) => candidate.partition === partition)?.offset ?? offset);
        return { partition, start: start < end ? start : end, end };
      })
      .sort((a, b) => a.partition - b.partition);
    const windows = newestWindows(ranges, options.maxRecords);
    const positions = windows.map(({ partition, start }) => ({ partition, offset: start.toString() }));
    return {
      bounds: { topic, ends: windows.map(({ partition, end }) => ({ partition, offset: end.toString() })), positions },
      windows,
    };
  } finally {
    await admin.disconnect();
  }
}
