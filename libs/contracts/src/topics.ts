/**
 * Every Kafka topic Flowline uses (docs/CONTRACT.md §11), without the configurable prefix.
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

/** Retry tiers 1..N; N is the longest retry schedule a connection may set (docs/CONTRACT.md §8: 10). */
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

/**
 * The largest record (key, value and headers) the producer sends. A record this large goes to the
 * broker alone, as a batch of one; the rest of the topic's limit is for the batch header (61 bytes)
 * and the record's own length fields, with room to spare.
 */
export const MAX_RECORD_BYTES = TOPIC_MAX_MESSAGE_BYTES - 1024;

/**
 * Room every record made from valid input leaves for what a retry or a dead letter adds to it
 * (origin, retry and error headers; the error is cut at 2,000 characters), so that the same
 * bytes, produced again with those headers, still fit the topic.
 */
export const DEAD_LETTER_HEADROOM_BYTES = 16 * 1024;

/**
 * The largest delivery record the mapper produces: a rendered delivery over it is dead-lettered
 * (category `validation`), and it is the budget of the rendering itself, so a mapping cannot make
 * a record the broker would refuse. Anything larger would stop the mapper's partition: the broker
 * refuses it, and it would be refused on every retry.
 */
export const MAX_DELIVERY_BYTES = MAX_RECORD_BYTES - DEAD_LETTER_HEADROOM_BYTES;

/**
 * The most `FLOWLINE_MAX_EVENT_BYTES` may be: an accepted event, re-written as JSON with what
 * ingest adds, and the action that carries it to the mapper then stay well within a record.
 */
export const MAX_EVENT_BYTES_CEILING = 4 * 1024 * 1024;

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
