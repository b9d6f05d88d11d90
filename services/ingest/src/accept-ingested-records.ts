import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { FlowlineEnv } from '@flowline/config';
import { deadLetterHeaders, FlowlineEvent, messageKey, parseEvent, Topic, TopicNames } from '@flowline/contracts';
import { eventKey, ProcessedEventsRepository } from '@flowline/db';
import { ConsumedRecord, FlowlineProducer, OutgoingMessage } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import { DATA_SOURCE, LOGGER } from '@flowline/runtime';

/**
 * Ingest's use case: validate and normalise incoming records, drop duplicates within the
 * horizon, send the rest to `flowline.events` and bad input to `flowline.events.invalid`.
 */
@Injectable()
export class AcceptIngestedRecords {
  private readonly processedEvents: ProcessedEventsRepository;

  constructor(
    @Inject(FlowlineEnv) private readonly config: FlowlineEnv,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(FlowlineProducer) private readonly producer: FlowlineProducer,
    @Inject(TopicNames) private readonly topics: TopicNames,
    @Inject(FlowlineMetrics) private readonly metrics: FlowlineMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.processedEvents = new ProcessedEventsRepository(dataSource);
  }

  async execute(records: ConsumedRecord[]): Promise<void> {
    const now = Date.now();
    const invalid: OutgoingMessage[] = [];
    const candidates: FlowlineEvent[] = [];
    const seenInChunk = new Set<string>();
    let duplicates = 0;

    for (const record of records) {
      const parsed =
        record.value === null
          ? ({ ok: false, reason: 'record has no value' } as const)
          : parseEvent(record.value, this.config.FLOWLINE_MAX_EVENT_BYTES, now);
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
    const accepted = await this.dataSource.transaction(async (manager) => {
      const fresh = await this.processedEvents.claim(manager, candidates, new Date(now));
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

  private eventMessage(event: FlowlineEvent): OutgoingMessage {
    return {
      topic: this.topics.of(Topic.Events),
      key: messageKey(event.tenant, event.subject),
      value: event,
      type: 'event',
    };
  }

  private invalidMessage(record: ConsumedRecord, reason: string): OutgoingMessage {
    return {
      topic: this.topics.of(Topic.EventsInvalid),
      // The original key keeps an upstream subject's invalid records together, in order.
      key: record.key ?? `invalid:${record.partition}`,
      value: undefined,
      rawValue: record.value,
      type: 'invalid-event',
      headers: deadLetterHeaders(record, reason, 'validation', 0),
    };
  }
}
