import type { Logger } from 'pino';
import { Notice, notificationDeliveries, Topic, TopicNames } from '@flowline/contracts';
import type { NotificationRepository } from '@flowline/db';
import type { FlowlineProducer } from '@flowline/kafka';
import type { FlowlineMetrics } from '@flowline/observability';

/** Where notices go: `Notifier` is one (fast tests keep them in a list). */
export interface NoticeSink {
  notify(notice: Notice): Promise<void>;
}

/** Digests flushed at once: the rest go at the next flush, a second later. */
const FLUSH_BATCH = 100;

/**
 * Operational notifications (decision 0026): a notice becomes one delivery per endpoint of the
 * tenant subscribed to its type, produced to `flowline.deliveries` keyed by the tenant; the
 * dispatcher sends it like any delivery (signed, retried, SSRF-guarded, logged). A notice that
 * cannot be produced is logged and counted, never failing what caused it.
 */
export class Notifier implements NoticeSink {
  constructor(
    private readonly repository: Pick<NotificationRepository, 'flushDue' | 'targets'>,
    private readonly producer: Pick<FlowlineProducer, 'send'>,
    private readonly topics: TopicNames,
    private readonly metrics: FlowlineMetrics,
    private readonly logger: Logger,
  ) {}

  async notify(notice: Notice): Promise<void> {
    try {
      await this.produce([notice]);
    } catch (error) {
      this.metrics.notifications.labels(notice.type, 'lost').inc();
      this.logger.warn({ err: error, tenant: notice.tenant, type: notice.type }, 'could not produce a notification');
    }
  }

  /**
   * Sends one `delivery.abandoned` per connection whose digest window (`coalesceS`) closed: the
   * count and the first failures (decision 0026).
   */
  async flushAbandoned(coalesceS: number): Promise<number> {
    return this.repository.flushDue(this.topics.prefix, coalesceS, FLUSH_BATCH, (digests) =>
      this.produce(
        digests.map((digest) => ({
          type: 'delivery.abandoned' as const,
          tenant: digest.tenant_id,
          at: Date.now(),
          dedupeKey: `${digest.connection_id}:${digest.opened_at.getTime()}`,
          data: {
            connection_id: digest.connection_id,
            count: digest.count,
            since: digest.opened_at.toISOString(),
            window_s: coalesceS,
            first_failures: digest.first_failures,
          },
        })),
      ),
    );
  }

  private async produce(notices: Notice[]): Promise<void> {
    const messages = [];
    for (const notice of notices) {
      const targets = await this.repository.targets(notice.tenant, notice.type);
      for (const { key, delivery } of notificationDeliveries(notice, targets))
        messages.push({ topic: this.topics.of(Topic.Deliveries), key, value: delivery, type: 'delivery' });
      this.metrics.notifications.labels(notice.type, targets.length > 0 ? 'produced' : 'unsubscribed').inc();
    }
    await this.producer.send(messages);
  }
}
