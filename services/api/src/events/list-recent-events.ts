import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Topic, TopicNames } from '@flowline/contracts';
import { ConsumerRunner, deleteConsumerGroup, planNewestRead } from '@flowline/kafka';
import type { Kafka, ReadBounds } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import { KAFKA, LOGGER } from '@flowline/runtime';
import { ConcurrencyLimit } from '../common/tenant-concurrency';
import { DEFAULT_EVENTS_LIMIT, DEFAULT_EVENTS_PERIOD_MS, EventsQueryDto } from './event-list.dto';
import { ListedEvent, NewestEvents } from './newest-events';

/** Records of the event log (every tenant's) one answer reads at most: its newest, spread over the partitions. */
export const MAX_RECORDS_SCANNED = 10_000;
/** How long one answer reads at most, from planning to the last record; it then answers with what it read. */
export const MAX_SCAN_MS = 8_000;
/** The listed events' JSON at most (the newest event is listed whatever its size). */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
/** Listings at once: per tenant, and in this process. Each reads the event log with a consumer of its own. */
const MAX_SCANS_PER_TENANT = 2;
const MAX_SCANS = 6;

export interface EventList {
  from: string;
  to: string;
  events: ListedEvent[];
  more: boolean;
  scan: {
    records_scanned: number;
    complete: boolean;
    stopped_early: 'record_limit' | 'time_limit' | null;
    unread_before: string | null;
  };
}

/**
 * `GET /events` (docs/CONTRACT.md §2): a tenant's newest events of a period, read from the event log
 * (`flowline.events`) the way a replay reads it (a bounded read by a consumer group of its own,
 * deleted afterwards; decision 0027). The read is bounded twice: at most `MAX_RECORDS_SCANNED`
 * records, the newest of each partition, and at most `MAX_SCAN_MS`; the answer says when either
 * cut it short.
 */
@Injectable()
export class ListRecentEvents {
  private readonly scans = new ConcurrencyLimit(MAX_SCANS_PER_TENANT, MAX_SCANS, 'listings of events');

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(TopicNames) private readonly topics: TopicNames,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(FlowlineMetrics) private readonly metrics: FlowlineMetrics,
  ) {}

  async execute(tenant: string, query: EventsQueryDto): Promise<EventList> {
    const started = Date.now();
    const to = query.to === undefined ? started : Date.parse(query.to);
    const from = query.from === undefined ? to - DEFAULT_EVENTS_PERIOD_MS : Date.parse(query.from);
    const limit = query.limit ?? DEFAULT_EVENTS_LIMIT;
    return this.scans.run(tenant, () => this.scan(tenant, from, to, limit, started + MAX_SCAN_MS));
  }

  private async scan(tenant: string, from: number, to: number, limit: number, deadline: number): Promise<EventList> {
    const topic = this.topics.of(Topic.Events);
    const groupId = this.topics.group(`events-${randomUUID()}`);
    const plan = await planNewestRead(this.kafka, {
      topic,
      fromTimestamp: from,
      toTimestamp: to,
      maxRecords: MAX_RECORDS_SCANNED,
    });
    const newest = new NewestEvents({ tenant, from, to, limit });
    let timedOut = false;
    if (plan.windows.some(({ start, end }) => start < end)) {
      timedOut = (await this.read(groupId, plan.bounds, newest, deadline)) === 'time_limit';
    }
    const cut = plan.windows.filter(({ skipped }) => skipped > 0n);
    const stopped = timedOut ? 'time_limit' : cut.length > 0 ? 'record_limit' : null;
    const { events, more } = newest.newestFirst(MAX_ANSWER_BYTES);
    return {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      events,
      more,
      scan: {
        records_scanned: newest.recordsScanned,
        complete: stopped === null,
        stopped_early: stopped,
        unread_before: stopped === 'record_limit' ? unreadBefore(cut, newest, from, to) : null,
      },
    };
  }

  /** Reads the planned windows until every one is read or the deadline comes; the group is then deleted. */
  private async read(
    groupId: string,
    bounds: ReadBounds,
    newest: NewestEvents,
    deadline: number,
  ): Promise<'done' | 'time_limit'> {
    let crashed: (error: Error) => void = () => undefined;
    const crash = new Promise<never>((_, reject) => (crashed = reject));
    crash.catch(() => undefined);
    const runner = new ConsumerRunner({
      kafka: this.kafka,
      groupId,
      topics: [bounds.topic],
      bounds,
      seekToPositions: true,
      metricsGroup: this.topics.group('event-listings'),
      logger: this.logger.child({ groupId }),
      metrics: this.metrics,
      onCrash: (error) => crashed(error),
      // A request's read: a few partitions at a time leaves the api's CPU to its other requests.
      partitionsConsumedConcurrently: 3,
      handler: (records) => {
        newest.add(records);
        return Promise.resolve();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<'time_limit'>((resolve) => {
      timer = setTimeout(() => resolve('time_limit'), Math.max(0, deadline - Date.now()));
    });
    try {
      const reading = runner.start().then(() => runner.reachedEnd.then((): 'done' => 'done'));
      reading.catch(() => undefined);
      return await Promise.race([reading, crash, timeUp]);
    } finally {
      clearTimeout(timer);
      await runner.stop();
      await deleteConsumerGroup(this.kafka, groupId).catch((error: unknown) =>
        this.logger.warn({ err: error, groupId }, 'could not delete an event listing’s consumer group'),
      );
    }
  }
}

/**
 * Where a read cut at the record limit stops being complete: in each cut partition, records older
 * than the oldest one read were left out; the latest such time bounds them all. A cut partition
 * read nowhere leaves the whole period in doubt.
 */
function unreadBefore(
  cut: ReadonlyArray<{ partition: number }>,
  newest: NewestEvents,
  from: number,
  to: number,
): string {
  let before = from;
  for (const { partition } of cut) before = Math.max(before, newest.oldestReadIn(partition) ?? to);
  return new Date(before).toISOString();
}
