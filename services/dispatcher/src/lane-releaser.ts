import { decodeDelivery, messageKey, parseOrigin, Topic, TopicNames } from '@flowline/contracts';
import { ClaimedDelivery, DeliveryStore, SENDING_LEASE_RENEW_MS } from '@flowline/db';
import type { Logger } from 'pino';
import { Effects, persist, RecordProducer } from './effects';
import { MAX_CHUNK_ADMISSION_WAIT_MS } from './attempt-webhook';
import type { Clock } from './clock';
import { parkedRow } from './delivery-rows';
import type { Job } from './job';
import { HELD_BEHIND } from './settlement-effects';
import type { OutgoingRecords } from './outgoing-records';
import type { SettleJob } from './settle-job';
import type { TargetResolver } from './targets';

/**
 * Lanes released at once by one dispatcher. A release holds no database connection between its
 * statements (a claim, then one write of its attempts per batch), so many can run; each sends its
 * lane's deliveries one by one, through the connection's limits like any other attempt.
 */
const MAX_CONCURRENT_RELEASES = 32;

/**
 * Most deliveries of a lane claimed at once: one claim statement and one write of their attempts
 * instead of a transaction each. A crash in the middle of a batch leaves its deliveries `sending`
 * until their lease expires, then they are claimed and sent again in order (at least once).
 */
export const RELEASE_BATCH = 50;

/**
 * A release's batches grow: its first delivery alone (after a failing head the next one often
 * fails too, and the rest would only be parked again), then 10, then `RELEASE_BATCH` at a time.
 */
export const RELEASE_BATCHES = [1, 10, RELEASE_BATCH] as const;

/**
 * Releases lanes: once a lane's waiting delivery settled, its held deliveries are claimed in
 * batches (`sending`, one lease renewed while their attempts last) and attempted in order, until
 * one has to wait (those after it are parked again, in their places) or none is left (decision
 * 0009, batches: decision 0028). Runs in the background of the chunks that freed the lanes; the
 * sweeper releases what a crash or a stop cut short.
 */
export class LaneReleaser {
  private readonly background = new Set<Promise<void>>();
  private readonly waiting = new Set<string>();
  private releasing = 0;
  private closing = false;

  constructor(
    private readonly store: DeliveryStore,
    private readonly producer: RecordProducer,
    private readonly targets: TargetResolver,
    private readonly settle: SettleJob,
    private readonly records: OutgoingRecords,
    private readonly topics: TopicNames,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /**
   * Releases lanes in the background, at most `MAX_CONCURRENT_RELEASES` at once; a lane asked for
   * twice is released once.
   */
  releaseInBackground(lanes: Iterable<string>): void {
    for (const lane of lanes) this.waiting.add(lane);
    while (!this.closing && this.releasing < MAX_CONCURRENT_RELEASES && this.waiting.size > 0) {
      const lane = this.waiting.values().next().value!;
      this.waiting.delete(lane);
      this.releasing += 1;
      const task = this.release(lane)
        .catch((error: unknown) => {
          // The sweeper releases it again within seconds.
          this.logger.warn({ err: error }, 'releasing a lane failed');
        })
        .finally(() => {
          this.releasing -= 1;
          this.background.delete(task);
          this.releaseInBackground([]);
        });
      this.background.add(task);
    }
  }

  /** Resolves once no release runs (tests wait for the background this way). */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** Lets releases in flight finish before the process leaves (their work is stored as it goes). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.background]);
  }

  /** Delivers a lane's held deliveries in order, a batch at a time, until one has to wait (or none are left). */
  private async release(lane: string): Promise<void> {
    for (let batch = 0; !this.closing; batch += 1) {
      const claimed = await this.store.claimBatch(lane, RELEASE_BATCHES[Math.min(batch, RELEASE_BATCHES.length - 1)]!);
      if (claimed.length === 0) return;
      if (await this.deliverBatch(lane, claimed)) return;
    }
  }

  /**
   * Attempts a claimed batch in lane order; once one has to wait (or the process stops), the rest
   * are parked again unattempted. Everything is stored in one write, then produced. Answers
   * whether the lane now waits.
   */
  private async deliverBatch(lane: string, claimed: readonly ClaimedDelivery[]): Promise<boolean> {
    const effects = new Effects();
    // The claims are a lease: kept until their attempts are stored, so another release does not take them.
    const ids = claimed.map((delivery) => delivery.id);
    const lease = setInterval(() => {
      this.store.renewClaims(ids).catch(() => undefined);
    }, SENDING_LEASE_RENEW_MS);
    try {
      // The batch's attempts wait for their connections no longer than a chunk's would.
      const waitUntil = this.clock.now() + MAX_CHUNK_ADMISSION_WAIT_MS;
      let waits = false;
      for (const delivery of claimed) {
        const job = await this.jobOf(delivery, effects, waitUntil);
        if (!job) continue;
        if (waits || this.closing) {
          effects.parked.push({ ...parkedRow(job, 'held', delivery.reason ?? HELD_BEHIND), lane });
          continue;
        }
        const status = await this.settle.execute(job, effects);
        if (status === 'retrying' || status === 'held') waits = true;
      }
      effects.released.delete(lane);
      await persist(this.store, this.producer, effects);
      return waits || this.closing;
    } finally {
      clearInterval(lease);
    }
  }

  /** The job of a claimed delivery; one whose stored record cannot be read is failed instead (it must not block its lane). */
  private async jobOf(claimed: ClaimedDelivery, effects: Effects, waitUntil: number): Promise<Job | undefined> {
    const decoded = decodeDelivery(claimed.message);
    const origin = parseOrigin(claimed.origin, this.topics.of(Topic.Deliveries));
    if (!decoded.ok) {
      // Cannot happen to a record stored after decoding.
      await this.producer.send([this.records.deadLetter('', claimed.message, origin, decoded.error, 'system', 0)]);
      await this.store.failUnreadable(claimed.id, decoded.error);
      return undefined;
    }
    const delivery = decoded.value;
    return {
      delivery,
      bytes: claimed.message,
      key: messageKey(delivery.tenant, delivery.subject),
      origin,
      retriesSoFar: claimed.retryCount,
      fromQueue: true,
      target: await this.targets.resolve(delivery),
      waitUntil,
    };
  }
}
