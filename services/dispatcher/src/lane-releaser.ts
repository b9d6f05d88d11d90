import { decodeDelivery, messageKey, parseOrigin, Topic, TopicNames } from '@flowline/contracts';
import { DeliveryStatus, DeliveryStore, SENDING_LEASE_RENEW_MS } from '@flowline/db';
import type { Logger } from 'pino';
import { Effects, persist, RecordProducer } from './effects';
import type { Job } from './job';
import type { OutgoingRecords } from './outgoing-records';
import type { SettleJob } from './settle-job';
import type { TargetResolver } from './targets';

/** Lanes released at once by one dispatcher (each release sends its lane's deliveries one by one). */
const MAX_CONCURRENT_RELEASES = 8;

/**
 * Releases lanes: once a lane's waiting delivery settled, its held deliveries are claimed one at
 * a time (`sending`, a lease renewed while the attempt lasts) and attempted in order, until one
 * has to wait or none is left (decision 0009). Runs in the background of the chunks that freed
 * the lanes; the sweeper releases what a crash or a stop cut short.
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
  ) {}

  /**
   * Releases lanes in the background, at most `MAX_CONCURRENT_RELEASES` at once (each holds a
   * database connection between its steps); a lane asked for twice is released once.
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

  /** Delivers a lane's held deliveries in order, until one has to wait (or none are left). */
  private async release(lane: string): Promise<void> {
    for (;;) {
      if (this.closing) return;
      const claimed = await this.store.claimNext(lane);
      if (!claimed) return;
      const effects = new Effects();
      const decoded = decodeDelivery(claimed.message);
      const origin = parseOrigin(claimed.origin, this.topics.of(Topic.Deliveries));
      if (!decoded.ok) {
        // Cannot happen to a record stored after decoding; kept from blocking the lane if it does.
        effects.messages.push(this.records.deadLetter('', claimed.message, origin, decoded.error, 'system', 0));
        await this.producer.send(effects.messages);
        await this.store.failUnreadable(claimed.id, decoded.error);
        continue;
      }
      const delivery = decoded.value;
      const job: Job = {
        delivery,
        bytes: claimed.message,
        key: messageKey(delivery.tenant, delivery.subject),
        origin,
        retriesSoFar: claimed.retryCount,
        fromQueue: true,
        target: await this.targets.resolve(delivery),
      };
      // The claim is a lease: kept while the attempt lasts, so another release does not take it.
      const lease = setInterval(() => {
        this.store.renewClaim(claimed.id).catch(() => undefined);
      }, SENDING_LEASE_RENEW_MS);
      let status: DeliveryStatus;
      try {
        status = await this.settle.execute(job, effects);
        effects.released.delete(lane);
        await persist(this.store, this.producer, effects);
      } finally {
        clearInterval(lease);
      }
      if (status === 'retrying' || status === 'held') return;
    }
  }
}
