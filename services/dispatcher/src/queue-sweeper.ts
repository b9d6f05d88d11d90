import { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { decodeDelivery, messageKey, parseOrigin, Topic, TopicNames } from '@flowline/contracts';
import type { DeliveryStore } from '@flowline/db';
import type { OutgoingMessage } from '@flowline/kafka';
import type { FlowlineMetrics } from '@flowline/observability';
import type { Logger } from 'pino';
import type { RecordProducer } from './effects';
import type { LaneReleaser } from './lane-releaser';
import type { OutgoingRecords } from './outgoing-records';
import type { ConnectionLookup } from './targets';

/**
 * How often held deliveries are looked for: a resumed connection's deliveries leave within this
 * while fewer than `LANES_PER_SWEEP` lanes hold deliveries (within one sweep per that many more).
 */
const SWEEP_EVERY_MS = 2_000;

/**
 * A retry this long past due has lost its record (a crash between storing it and producing the
 * record, in a release): the sweeper produces it again. A record that is merely late in a busy
 * tier is then stale and skipped, so being early costs a record, never an extra attempt.
 */
const OVERDUE_AFTER_S = 60;

/** Rows the sweeper takes per query: the rest is taken at the next sweep. */
const SWEEP_BATCH = 100;

/**
 * Lanes holding deliveries that one sweep looks at, at most: each costs PostgreSQL one index probe
 * (about 21 µs, so about 42 ms a sweep), and the next sweep goes on from there (decision 0042).
 * While fewer lanes hold deliveries, every sweep looks at all of them.
 */
export const LANES_PER_SWEEP = 2_000;

/**
 * The dispatcher's housekeeping, every 2 s, one sweep at a time: releases every lane whose head
 * settled or whose release was cut short (or whose connection was resumed), re-produces retry
 * records lost between storing and producing, and keeps the paused-connection gauge current.
 */
export class QueueSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Where the walk through held lanes goes on at the next sweep ('' : from the first lane). */
  private lanesAfter = '';

  constructor(
    private readonly store: DeliveryStore,
    private readonly producer: RecordProducer,
    private readonly releaser: LaneReleaser,
    private readonly records: OutgoingRecords,
    private readonly connections: ConnectionLookup,
    private readonly topics: TopicNames,
    private readonly metrics: FlowlineMetrics,
    private readonly logger: Logger,
    private readonly lanesPerSweep = LANES_PER_SWEEP,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'retry queue sweep failed; tried again shortly'))
        .finally(() => (this.running = undefined));
    }, SWEEP_EVERY_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async sweep(): Promise<void> {
    const lost: OutgoingMessage[] = [];
    for (const overdue of await this.store.takeOverdueRetries(this.topics.prefix, OVERDUE_AFTER_S, SWEEP_BATCH)) {
      const decoded = decodeDelivery(overdue.message);
      if (!decoded.ok) continue;
      const delivery = decoded.value;
      const origin = parseOrigin(overdue.origin, this.topics.of(Topic.Deliveries));
      const retry = Math.max(1, overdue.retryCount);
      this.logger.warn(
        { deliveryId: delivery.id, retry },
        'retry overdue by a minute: its retry record is produced again',
      );
      const key = messageKey(delivery.tenant, delivery.subject);
      lost.push(this.records.retry(key, overdue.message, origin, retry, overdue.nextAttemptAt));
    }
    // Not produced now, they are a minute overdue again soon and taken once more.
    await this.producer.send(lost);
    const walk = await this.store.releasableLanes(this.topics.prefix, this.lanesAfter, {
      lanes: this.lanesPerSweep,
      found: SWEEP_BATCH,
    });
    this.lanesAfter = walk.next ?? '';
    this.releaser.releaseInBackground(walk.releasable);
    this.metrics.connectionPaused.reset();
    for (const connection of this.connections.all())
      if (connection.paused) this.metrics.connectionPaused.labels(connection.tenant, connection.id).set(1);
  }
}
