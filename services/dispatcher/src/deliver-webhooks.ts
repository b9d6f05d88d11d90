import type { OnModuleDestroy } from '@nestjs/common';
import {
  DeadLetterOrigin,
  decodeDelivery,
  DeliveryV1,
  formatOrigin,
  RETRY_HEADERS,
  Topic,
  TopicNames,
} from '@flowline/contracts';
import type { DeliveryStore } from '@flowline/db';
import type { BatchContext, ConsumedRecord, PartlyHandled } from '@flowline/kafka';
import type { FlowlineMetrics } from '@flowline/observability';
import type { Clock } from './clock';
import { deliverInOrder } from './deliver-in-order';
import { Effects, persist, RecordProducer } from './effects';
import { intakeNew, intakeRetry, parkBehindHeldLanes, splitDue } from './intake';
import { Job, laneOf, withChunkCap } from './job';
import type { LaneReleaser } from './lane-releaser';
import { dueAt, originOf, OutgoingRecords } from './outgoing-records';
import { heldBehindLane, SettlementEffects } from './settlement-effects';
import type { SettleJob } from './settle-job';
import type { TargetResolver } from './targets';

/**
 * Dispatcher's use case (decision 0009): send each delivery (a webhook over HTTP, or an email over
 * SMTP), log every attempt, retry through the retry topics, keep each lane (a subject's
 * deliveries to one destination) in order by holding its later deliveries while one waits, and
 * dead-letter what cannot be sent. This class only orchestrates a chunk: what to do with each
 * record is `intake`'s, where it goes `TargetResolver`'s, how it is attempted and settled
 * `SettleJob`'s, what follows a settled head `LaneReleaser`'s, the housekeeping `QueueSweeper`'s.
 */
export class DeliverWebhooks implements OnModuleDestroy {
  constructor(
    private readonly store: DeliveryStore,
    private readonly producer: RecordProducer,
    private readonly targets: TargetResolver,
    private readonly settle: SettleJob,
    private readonly settlements: SettlementEffects,
    private readonly releaser: LaneReleaser,
    private readonly records: OutgoingRecords,
    private readonly topics: TopicNames,
    private readonly metrics: FlowlineMetrics,
    private readonly clock: Clock,
  ) {}

  async execute(records: ConsumedRecord[], context: BatchContext): Promise<void | PartlyHandled> {
    return records[0]?.topic === this.topics.of(Topic.Deliveries)
      ? this.deliverNew(records, context)
      : this.deliverRetries(records, context);
  }

  /** Lets releases in flight finish before the process leaves (their work is stored as it goes). */
  async onModuleDestroy(): Promise<void> {
    await this.releaser.close();
  }

  /** Records of `flowline.deliveries`: new deliveries, and resubmitted ones. */
  private async deliverNew(records: ConsumedRecord[], context: BatchContext): Promise<void> {
    const effects = new Effects();
    const startedAt = this.clock.now();
    const consumed: Array<{ record: ConsumedRecord; job: Job }> = [];
    for (const record of records) {
      const decoded = decodeDelivery(record.value);
      if (decoded.ok) consumed.push({ record, job: await this.jobOf(decoded.value, record, record, 0, false) });
      else effects.messages.push(this.deadLetterUnreadable(record, record, decoded.error));
    }
    const view = await this.store.view(
      consumed.map(({ job }) => job.delivery.id),
      consumed.flatMap(({ job }) => laneOf(job) ?? []),
    );
    const fresh: Array<Job & { lane: string | null; resubmitted: boolean }> = [];
    for (const { record, job } of consumed) {
      const decision = intakeNew(
        {
          resubmit: record.headers[RETRY_HEADERS.resubmit] === '1',
          dueAt: dueAt(record),
          origin: formatOrigin(record),
        },
        view.known.get(job.delivery.id),
      );
      if (decision.kind === 'attempt') {
        const { retriesSoFar, fromQueue, resubmitted } = decision;
        fresh.push({ ...job, retriesSoFar, fromQueue, resubmitted, lane: laneOf(job) });
      } else if (decision.kind === 'reproduce-retry')
        effects.messages.push(this.records.retry(job.key, job.bytes, record, decision.retry, decision.dueAt));
    }
    const behindHeld = parkBehindHeldLanes(fresh, view.heldLanes);
    const stillHeld = await this.store.parkWhileHeld(behindHeld.map(heldBehindLane));
    const parked = new Set(behindHeld.filter((job) => stillHeld.has(job.lane!)));
    this.metrics.deliveriesHeld.labels('lane').inc(parked.size);
    await this.deliver(
      withChunkCap(
        fresh.filter((job) => !parked.has(job)),
        startedAt,
      ),
      effects,
      context,
    );
  }

  /**
   * Records of a retry topic. Every record of the chunk that is due is attempted (if still
   * current: see decision 0009), also those behind one that is not; the partition then pauses
   * until the earliest record not yet due, and from there is read again (what was attempted
   * meanwhile is skipped as stale). Nothing is polled while it waits.
   */
  private async deliverRetries(records: ConsumedRecord[], context: BatchContext): Promise<void | PartlyHandled> {
    const startedAt = this.clock.now();
    const { due, wait } = splitDue(records, dueAt, startedAt);
    const effects = new Effects();
    const decoded = due.map((record) => ({ record, decoded: decodeDelivery(record.value) }));
    const { known } = await this.store.view(
      decoded.flatMap(({ decoded }) => (decoded.ok ? [decoded.value.id] : [])),
      [],
    );
    const jobs: Job[] = [];
    for (const { record, decoded: result } of decoded) {
      if (!result.ok) {
        effects.messages.push(this.deadLetterUnreadable(record, originOf(record), result.error));
        continue;
      }
      const decision = intakeRetry(dueAt(record), known.get(result.value.id));
      if (decision.kind === 'attempt')
        jobs.push(await this.jobOf(result.value, record, originOf(record), decision.retriesSoFar, true));
      else if (decision.kind === 'release-lane') effects.released.add(decision.lane);
    }
    await this.deliver(withChunkCap(jobs, startedAt), effects, context);
    return wait;
  }

  /** Attempts the jobs in order per subject, stores and produces what they left, then frees their lanes. */
  private async deliver(jobs: Job[], effects: Effects, context: BatchContext): Promise<void> {
    await deliverInOrder(jobs, context, {
      attempt: (job) => this.settle.execute(job, effects),
      holdBehind: (job) => this.settlements.hold(job, effects, 'lane'),
      // Every attempt made is stored, also when the chunk was cut short, with their retries
      // produced (a redelivered record whose delivery waits is not sent again); the chunk's
      // offsets stay uncommitted, so what was not settled is sent again.
      cutShort: () => persist(this.store, this.producer, effects),
    });
    await persist(this.store, this.producer, effects);
    this.releaser.releaseInBackground(effects.released);
  }

  private async jobOf(
    delivery: DeliveryV1,
    record: ConsumedRecord,
    origin: DeadLetterOrigin,
    retriesSoFar: number,
    fromQueue: boolean,
  ): Promise<Job> {
    const target = await this.targets.resolve(delivery);
    return {
      delivery,
      bytes: record.value!,
      key: record.key ?? '',
      origin,
      retriesSoFar,
      fromQueue,
      target,
      // Set for the chunk as a whole (`withChunkCap`).
      waitUntil: 0,
    };
  }

  /** A record that does not decode: dead-lettered (`system`) instead of stopping its partition. */
  private deadLetterUnreadable(record: ConsumedRecord, origin: DeadLetterOrigin, error: string) {
    return this.records.deadLetter(record.key ?? '', record.value, origin, error, 'system', 0);
  }
}
