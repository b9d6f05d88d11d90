import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { FlowlineEnv } from '@flowline/config';
import { FlowlineEvent, messageKey, parseEvent, Topic, TopicNames } from '@flowline/contracts';
import { eventKey, ProcessedEventsRepository } from '@flowline/db';
import { ConsumedRecord, deadLetterRecord, FlowlineProducer, OutgoingMessage } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import { LOGGER } from '@flowline/runtime';

/**
 * Ingest's use case: validate and normalise incoming records, drop duplicates within the
 * horizon, send the rest to `flowline.events` and bad input to `flowline.events.invalid`.
 */
@Injectable()
export class AcceptIngestedRecords {
  constructor(
    @Inject(FlowlineEnv) private readonly config: FlowlineEnv,
    @Inject(ProcessedEventsRepository) private readonly processedEvents: ProcessedEventsRepository,
    @Inject(FlowlineProducer) private readonly producer: FlowlineProducer,
    @Inject(TopicNames) private readonly topics: TopicNames,
    @Inject(FlowlineMetrics) private readonly metrics: FlowlineMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(records: ConsumedRecord[]): Promise<void> {
    const now = Date.now();
    const invalid: OutgoingMessage[] = [];
    const candidates: FlowlineEvent[] = [];
    const seenInChunk = new Set<string>();
    let duplicates = 0;

    for (const record of records) {
      const parsed = this.parse(record, now);
      if (!parsed.ok) {
        invalid.push(this.invalidMessage(record, parsed.reason));
        continue;
      }
      const key = eventKey(parsed.event);
      if (seenInChunk.has(key)) {
        duplicates += 1;
        continue;
      }
      seenInChunk.add(key);
      candidates.push(parsed.event);
    }

    // The claim stays uncommitted until the events are produced: if producing fails, the ids
    // are not remembered and the redelivered records are accepted then.
    const accepted = await this.processedEvents.claimWhile(candidates, new Date(now), async (fresh) => {
      const events = candidates.filter((event) => fresh.has(eventKey(event)));
      await this.producer.send([...events.map((event) => this.eventMessage(event)), ...invalid]);
      return events;
    });

    duplicates += candidates.length - accepted.length;
    this.metrics.eventsIngested.labels('accepted').inc(accepted.length);
    this.metrics.eventsIngested.labels('duplicate').inc(duplicates);
    this.metrics.eventsIngested.labels('invalid').inc(invalid.length);
    if (invalid.length > 0) this.logger.warn({ count: invalid.length }, 'invalid events sent to the invalid topic');
  }

  /**
   * One record's event, or why it is invalid. Parsing never throws; should it ever, the record is
   * invalid all the same (its bytes kept with the reason): it would throw again on every retry and
   * stop ingest for every tenant.
   */
  private parse(
    record: ConsumedRecord,
    now: number,
  ): { ok: true; event: FlowlineEvent } | { ok: false; reason: string } {
    if (record.value === null) return { ok: false, reason: 'record has no value' };
    try {
      return parseEvent(record.value, this.config.FLOWLINE_MAX_EVENT_BYTES, now);
    } catch (error) {
      this.logger.error({ err: error, partition: record.partition, offset: record.offset }, 'parsing an event threw');
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { ok: false, reason: `event could not be parsed (${reason})` };
    }
  }

  private eventMessage(event: FlowlineEvent): OutgoingMessage {
    return {
      topic: this.topics.of(Topic.Events),
      key: messageKey(event.tenant, event.subject),
      value: event,
      type: 'event',
    };
  }

  private invalidMessage(record: ConsumedRecord, reason: string): OutgoingMessage {
    return deadLetterRecord({
      topic: this.topics.of(Topic.EventsInvalid),
      // The original key keeps an upstream subject's invalid records together, in order.
      key: record.key ?? `invalid:${record.partition}`,
      type: 'invalid-event',
      original: record.value,
      origin: record,
      error: reason,
      category: 'validation',
      attempts: 0,
    });
  }
}
