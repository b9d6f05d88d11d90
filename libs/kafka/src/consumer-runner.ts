import { Consumer, EachBatchPayload, Kafka, KafkaJSError, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { FlowlineMetrics } from '@flowline/observability';
import type { ReadBounds } from './bounded-read';
import { decodeHeaders } from './json-codec';
import { LagMonitor } from './lag-monitor';

/** One consumed record, decoded enough for any handler: key and headers as strings. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: number;
}

/**
 * Handles records of one partition, in offset order. It must resolve only once every output of
 * these records is durably written (produced with acks, or stored): the runner commits their
 * offsets right after. Throwing makes kafkajs retry from the first unhandled record.
 */
export type BatchHandler = (records: ConsumedRecord[], context: BatchContext) => Promise<void | PartlyHandled>;

/**
 * A handler's answer when only the first `handled` records are done and the rest must wait
 * (a retry topic's records not yet due): the runner commits those, pauses the partition until
 * `pauseUntil` (epoch ms) and then fetches again from the first record not handled. Nothing is
 * polled meanwhile.
 */
export interface PartlyHandled {
  handled: number;
  pauseUntil: number;
}

export interface BatchContext {
  /** Aborted when the consumer is asked to stop: long waits (such as a retry backoff) end early. */
  signal: AbortSignal;
  /**
   * Aborted when a rebalance begins while the chunk runs (or this member was found to have left
   * its group). The group waits for this member to finish its chunk and rejoin, so a handler
   * that can stop early should stop starting new work and fail the chunk (what it did not finish
   * is read again by whoever owns the partition next). A handler that finishes instead has its
   * chunk committed: the group accepts commits until every member has rejoined (decision 0032).
   */
  rebalancing: AbortSignal;
}

/** Heartbeat errors that mean this member is no longer in its group: its commits would be refused. */
const MEMBERSHIP_LOST = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'FENCED_INSTANCE_ID']);

/**
 * How long a chunk's failed commit is tried again by default. A killed broker's coordination
 * moves elsewhere once the controller fences it (`broker.session.timeout.ms`, 9 s by default);
 * this is well inside the session timeout.
 */
const COMMIT_RETRY_FOR_MS = 15_000;

/** Waits between a commit's attempts: doubling from 250 ms, at most 2 s. */
function commitRetryDelay(attempt: number): number {
  return Math.min(250 * 2 ** attempt, 2_000);
}

/**
 * Whether a failed commit may succeed if sent again in the same generation: kafkajs marks
 * transient errors retriable, and gives up its own retries (finding the coordinator, say) with an
 * error whose cause is one. A group rebalancing or gone refuses the generation's commits for
 * good; what the chunk did is then read again by the partition's next owner.
 */
function commitMayBeRetried(error: unknown): boolean {
  const { type, retriable, name, cause } = error as {
    type?: string;
    retriable?: boolean;
    name?: string;
    cause?: unknown;
  };
  if (type === 'REBALANCE_IN_PROGRESS' || (type !== undefined && MEMBERSHIP_LOST.has(type))) return false;
  const gaveUp = name === 'KafkaJSNumberOfRetriesExceeded' || name === 'KafkaJSNonRetriableError';
  if (gaveUp && cause !== undefined && cause !== error) return commitMayBeRetried(cause);
  return retriable === true;
}

export interface ConsumerRunnerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  handler: BatchHandler;
  logger: Logger;
  metrics: FlowlineMetrics;
  /** Called when the consumer crashed beyond kafkajs's own restarts; by default the process exits 1. */
  onCrash: (error: Error) => void;
  /** Partitions handled at once; more overlaps I/O waits of different partitions. */
  partitionsConsumedConcurrently?: number;
  /** Records handed to the handler at once; offsets are committed after each chunk. */
  maxChunk?: number;
  sessionTimeoutMs?: number;
  /**
   * Makes this a bounded read of `bounds.topic` (see `planBoundedRead`): no record at or beyond a
   * partition's end is handled or committed, a partition that reached its end is paused, and
   * `reachedEnd` resolves once every partition has. Its lag is not reported: a bounded read is
   * behind on purpose.
   */
  bounds?: ReadBounds;
  /**
   * A bounded read by a group that committed nothing yet: the consumer seeks each partition to its
   * position in `bounds` as it starts, instead of the group's positions being committed first
   * (kafkajs's `admin.setOffsets` runs a consumer of its own and takes seconds), and records before
   * a position are never handed over.
   */
  seekToPositions?: boolean;
  /** The `group` label of its metrics when not the group id (groups made per task would grow them without end). */
  metricsGroup?: string;
  /**
   * Topics whose records wait there on purpose until due (the retry tiers): their lag is reported
   * as `flowline_retry_lag`, apart from `flowline_consumer_lag`, so a full retry tier does not
   * read as a group falling behind.
   */
  waitingTopics?: readonly string[];
  /** How often the lag is measured from the committed offsets (default 5 s). */
  lagEveryMs?: number;
  /** How long a chunk's failed commit is tried again before the chunk is read again (default 15 s). */
  commitRetryForMs?: number;
}

const HEARTBEAT_EVERY_MS = 2_000;

function toRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString(),
    value: message.value,
    headers: decodeHeaders(message.headers),
    timestamp: Number(message.timestamp),
  };
}

/**
 * The one way Flowline consumes: `eachBatch` with offsets resolved by hand and committed only
 * after the handler acknowledged its outputs; heartbeats while a long chunk runs; graceful stop
 * (finish the chunk in flight, commit, leave the group); a crash ends the process.
 */
export class ConsumerRunner {
  private consumer: Consumer | undefined;
  private lag: LagMonitor | undefined;
  private stopping = new AbortController();
  /** Resumptions of paused partitions, cleared when the consumer stops. */
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  /** A bounded read's end offset (exclusive) of each partition, and the partitions not there yet. */
  private readonly ends = new Map<number, bigint>();
  /** A seeking bounded read's first offset of each partition. */
  private readonly starts = new Map<number, bigint>();
  private readonly unfinished = new Set<number>();
  private endReached: () => void = () => undefined;
  /** Group joins of this consumer so far: a batch during which one happened may have lost its partition. */
  private joins = 0;
  /** Resolves once a bounded read committed every record before its ends; never for an unbounded one. */
  readonly reachedEnd: Promise<void>;

  constructor(private readonly options: ConsumerRunnerOptions) {
    this.reachedEnd = new Promise((resolve) => (this.endReached = resolve));
    const bounds = options.bounds;
    if (bounds === undefined) return;
    if (options.topics.length !== 1 || options.topics[0] !== bounds.topic)
      throw new Error(`a bounded read consumes its own topic only (${bounds.topic})`);
    for (const { partition, offset } of bounds.ends) this.ends.set(partition, BigInt(offset));
    for (const { partition, offset } of bounds.positions) {
      if (BigInt(offset) < (this.ends.get(partition) ?? 0n)) this.unfinished.add(partition);
      if (options.seekToPositions) this.starts.set(partition, BigInt(offset));
    }
    if (this.unfinished.size === 0) this.endReached();
  }

  private get metricsGroup(): string {
    return this.options.metricsGroup ?? this.options.groupId;
  }

  async start(): Promise<void> {
    const { kafka, groupId, topics, logger } = this.options;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      // Bounds how long an idle fetch waits, and so how long a graceful stop waits for it.
      maxWaitTimeInMs: 1_000,
      allowAutoTopicCreation: false,
      // How long a rebalance waits for members to finish their chunk and rejoin.
      rebalanceTimeout: 60_000,
    });
    this.consumer = consumer;
    this.stopping = new AbortController();
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      logger.error({ err: payload.error, groupId, restart: payload.restart }, 'consumer crashed');
      if (!payload.restart) this.options.onCrash(payload.error);
    });
    // A bounded read is behind on purpose: its lag is not reported.
    const lag = this.options.bounds ? undefined : this.lagMonitor();
    this.lag = lag;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.joins += 1;
      lag?.assign(payload.memberAssignment);
    });
    lag?.start();
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 6,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    // Applied before the first fetch; a fetch already in flight for a partition being sought is dropped by kafkajs.
    if (this.options.seekToPositions && this.options.bounds) {
      const { topic, positions } = this.options.bounds;
      for (const { partition, offset } of positions) consumer.seek({ topic, partition, offset });
    }
    logger.info({ groupId, topics }, 'consumer started');
  }

  /** Stops fetching, lets the chunk in flight finish and commit, then leaves the group. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer === undefined) return;
    this.stopping.abort();
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    await consumer.disconnect();
    // Its partitions are another member's now, which reports them.
    await this.lag?.stop();
    this.lag?.assign({});
    this.lag = undefined;
    this.options.logger.info({ groupId: this.options.groupId }, 'consumer stopped');
  }

  pause(topic: string, partitions?: number[]): void {
    this.consumer?.pause([partitions === undefined ? { topic } : { topic, partitions }]);
  }

  resume(topic: string, partitions?: number[]): void {
    this.consumer?.resume([partitions === undefined ? { topic } : { topic, partitions }]);
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const maxChunk = this.options.maxChunk ?? 500;
    const started = process.hrtime.bigint();
    const end = this.ends.get(partition);
    // A bounded read never hands over a record at or beyond its end (records produced after it started).
    const start = this.starts.get(partition) ?? 0n;
    const readable = this.options.bounds
      ? batch.messages.filter((message) => BigInt(message.offset) < (end ?? 0n) && BigInt(message.offset) >= start)
      : batch.messages;
    if (this.options.bounds && readable.length === 0) {
      this.finishPartition(payload, partition);
      return;
    }
    // Group joins during the batch: kafkajs rejoins from inside another fetch after a leader
    // change, while this batch's chunks run. After one, the partition may be another member's, and
    // a commit would carry the new generation and could overwrite that member's newer one; the
    // batch is thrown, before any commit (decision 0032).
    const joinsAtStart = this.joins;
    const lost = () => new Error(`partition ${topic}/${partition} was lost during the chunk`);
    const lostIfJoined = () => {
      if (this.joins !== joinsAtStart) throw lost();
    };
    for (let start = 0; start < readable.length; start += maxChunk) {
      if (!payload.isRunning() || payload.isStale()) return;
      lostIfJoined();
      const messages = readable.slice(start, start + maxChunk);
      const records = messages.map((message) => toRecord(topic, partition, message));
      const rebalancing = new AbortController();
      let membershipLost = false;
      // Beats through the handler and the commit's attempts, which may outlast a session timeout.
      const beat = setInterval(() => {
        payload.heartbeat().catch((error: { type?: string }) => {
          if (error.type === 'REBALANCE_IN_PROGRESS') rebalancing.abort();
          else if (error.type !== undefined && MEMBERSHIP_LOST.has(error.type)) {
            membershipLost = true;
            rebalancing.abort();
          }
        });
      }, HEARTBEAT_EVERY_MS);
      let partly: void | PartlyHandled;
      let last: ConsumedRecord | undefined;
      try {
        partly = await this.options.handler(records, {
          signal: this.stopping.signal,
          rebalancing: rebalancing.signal,
        });
        // A rebalance that only began does not stop the commit below: the group still takes it,
        // and a chunk whose outputs went out must not be read (and its outputs produced) again.
        if (membershipLost) throw lost();
        last = records[(partly ? partly.handled : records.length) - 1];
        if (last) await this.commit(payload, (BigInt(last.offset) + 1n).toString(), lostIfJoined);
      } finally {
        clearInterval(beat);
      }
      if (last) {
        lostIfJoined();
        // Only now: kafkajs fetches from the resolved offset after an error, so a chunk resolved
        // before a commit that failed would be neither read again nor committed, and read again
        // only when the partition next changes owner, long after (decision 0033).
        payload.resolveOffset(last.offset);
        if (end !== undefined && BigInt(last.offset) + 1n >= end) {
          this.finishPartition(payload, partition);
          break;
        }
      }
      if (partly) {
        this.pauseUntil(payload, partly.pauseUntil);
        break;
      }
      await payload.heartbeat();
    }
    this.options.metrics.batchDuration
      .labels(this.metricsGroup)
      .observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  /**
   * Commits the batch's partition up to `next`. A commit that failed while this member still
   * belongs to its generation (the coordinator's broker died, a timeout) is tried again for a
   * while, the coordinator found anew each time (decision 0034): the chunk's outputs are out, and
   * reading it again would produce them again. Past that, or when the group moved on, it throws
   * and the chunk is read again (decision 0033).
   */
  private async commit(payload: EachBatchPayload, next: string, lostIfJoined: () => void): Promise<void> {
    const { topic, partition } = payload.batch;
    const deadline = Date.now() + (this.options.commitRetryForMs ?? COMMIT_RETRY_FOR_MS);
    for (let attempt = 0; ; attempt += 1) {
      lostIfJoined();
      try {
        // Through the batch, not `consumer.commitOffsets`: that one silently skips the commit once
        // the consumer is stopping, which is exactly when the chunk in flight must be committed.
        await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] });
        return;
      } catch (error) {
        const wait = commitRetryDelay(attempt);
        const context = { err: error, groupId: this.options.groupId, topic, partition, offset: next, attempt };
        const retriable = commitMayBeRetried(error);
        if (!retriable || Date.now() + wait > deadline) {
          this.options.logger.warn(context, 'offset commit failed: the chunk will be read again');
          // A transient failure is given up as one kafkajs retries with the same member (fetching
          // the chunk again), not as one that would restart the consumer as a new member.
          throw retriable ? new KafkaJSError(`offset commit failed: ${(error as Error).message}`) : error;
        }
        this.options.logger.info(context, 'offset commit failed: trying again');
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** A bounded read's partition committed up to its end: nothing more is fetched from it. */
  private finishPartition(payload: EachBatchPayload, partition: number): void {
    payload.pause();
    if (this.unfinished.delete(partition) && this.unfinished.size === 0) this.endReached();
  }

  /** Pauses the batch's partition; the fetch after resuming starts at its first unresolved record. */
  private pauseUntil(payload: EachBatchPayload, until: number): void {
    const resume = payload.pause();
    const timer = setTimeout(
      () => {
        this.resumeTimers.delete(timer);
        resume();
      },
      Math.max(0, until - Date.now()),
    );
    this.resumeTimers.add(timer);
  }

  private lagMonitor(): LagMonitor {
    const { kafka, groupId, logger, metrics } = this.options;
    const waiting = new Set(this.options.waitingTopics ?? []);
    const lag = new LagMonitor({
      kafka,
      groupId,
      logger,
      everyMs: this.options.lagEveryMs ?? 5_000,
      report: (topic, value) =>
        (waiting.has(topic) ? metrics.retryLag : metrics.consumerLag).labels(topic, this.metricsGroup).set(value),
    });
    // Known at 0 before the first assignment, so each series exists from the start.
    for (const topic of this.options.topics)
      (waiting.has(topic) ? metrics.retryLag : metrics.consumerLag).labels(topic, this.metricsGroup).set(0);
    return lag;
  }
}
