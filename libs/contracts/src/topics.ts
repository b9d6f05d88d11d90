/**
 * Every Kafka topic Flowline uses (CONTRACT §11), without the configurable prefix.
 * Retry tiers are numbered topics, named by `retryTopic`.
 */
export enum Topic {
  Ingest = 'ingest',
  Events = 'events',
  EventsInvalid = 'events.invalid',
  Actions = 'actions',
  Deliveries = 'deliveries',
  DeliveriesDlq = 'deliveries.dlq',
}

/** Retry tiers 1..N; N is the longest retry schedule a connection may set (CONTRACT §8: 10). */
export const RETRY_TIERS = 3;

export function retryTopic(tier: number): string {
  return `deliveries.retry.${tier}`;
}

/**
 * Every Flowline topic accepts records well over the 1 MiB event limit: an oversized event
 * reaches ingest and is kept, bytes and all, in the invalid topic instead of being refused by
 * the broker where nobody sees it, and an action or delivery made from a valid event near the
 * limit (the event plus what Flowline adds) still fits.
 */
export const TOPIC_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/** The full topic names for one prefix; the one place a prefix is applied. */
export class TopicNames {
  constructor(readonly prefix: string) {}

  of(topic: Topic | string): string {
    return `${this.prefix}${topic}`;
  }

  all(): string[] {
    return this.specs().map((spec) => spec.name);
  }

  /** Every topic with the settings it is created with. */
  specs(): Array<{ name: string; config: Record<string, string> }> {
    const retries = Array.from({ length: RETRY_TIERS }, (_, index) => retryTopic(index + 1));
    return [...Object.values(Topic), ...retries].map((topic) => {
      return { name: this.of(topic), config: { 'max.message.bytes': String(TOPIC_MAX_MESSAGE_BYTES) } };
    });
  }

  /** A consumer group per service and prefix, so two prefixes never share offsets. */
  group(service: string): string {
    return `${this.prefix}${service}`;
  }
}
