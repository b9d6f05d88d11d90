import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { deadLetterHeaders, decodeAction, FailureCategory, messageKey, Topic, TopicNames } from '@flowline/contracts';
import { ValidationFailureRecord, ValidationFailureRepository } from '@flowline/db';
import { ConsumedRecord, FlowlineProducer, OutgoingMessage } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import { LOGGER } from '@flowline/runtime';
import { MappingCatalog } from './mapping-catalog';
import { renderDeliveries } from './render-delivery';
import { validationFailureRecord } from './validation-failure';

/** Where validation failures are logged: `ValidationFailureRepository` is one. */
export type ValidationFailureLog = Pick<ValidationFailureRepository, 'record'>;

/** Mapper's use case: render each action's payload and headers into its deliveries (a sequence's: webhook and email). */
@Injectable()
export class MapActions {
  constructor(
    @Inject(MappingCatalog) private readonly catalog: MappingCatalog,
    @Inject(FlowlineProducer) private readonly producer: FlowlineProducer,
    @Inject(TopicNames) private readonly topics: TopicNames,
    @Inject(FlowlineMetrics) private readonly metrics: FlowlineMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ValidationFailureRepository) private readonly validationFailures: ValidationFailureLog,
  ) {}

  async execute(records: ConsumedRecord[]): Promise<void> {
    const out: OutgoingMessage[] = [];
    const failures: ValidationFailureRecord[] = [];
    for (const record of records) {
      const decoded = decodeAction(record.value);
      if (!decoded.ok) {
        this.metrics.deadLettered('system');
        out.push(this.deadLetter(record, decoded.error, 'system'));
        continue;
      }
      const action = decoded.value;
      // current_date is the day Flowline accepted the event: a redelivery or replay renders the same body.
      const acceptedOn = new Date(action.event.ingestedAt);
      let result = renderDeliveries(action, this.catalog, acceptedOn);
      if (!result.ok && result.category === 'config') {
        // The flow may be newer than this catalog: look again before giving the action up.
        await this.catalog.refresh();
        result = renderDeliveries(action, this.catalog, acceptedOn);
      }
      if (result.ok) {
        for (const delivery of result.deliveries) {
          out.push({
            topic: this.topics.of(Topic.Deliveries),
            key: messageKey(action.tenant, action.subject),
            value: delivery,
            type: 'delivery',
          });
        }
      } else {
        // Not retried: the same action and configuration would fail the same way (CONTRACT §5).
        this.metrics.deadLettered(result.category);
        this.logger.warn(
          { actionId: action.id, category: result.category, error: result.error },
          'action dead-lettered',
        );
        out.push(this.deadLetter(record, result.error, result.category));
        // Also a failed delivery in the log: the activity feed, the retry queue and the insights show it.
        if (result.category === 'validation') failures.push(validationFailureRecord(action, result, new Date()));
      }
    }
    // Logged before anything is produced: if PostgreSQL fails, the chunk comes again whole.
    await this.validationFailures.record(failures);
    await this.producer.send(out);
  }

  private deadLetter(record: ConsumedRecord, error: string, category: FailureCategory): OutgoingMessage {
    return {
      topic: this.topics.of(Topic.DeliveriesDlq),
      key: record.key ?? '',
      value: undefined,
      rawValue: record.value,
      type: 'action',
      headers: deadLetterHeaders(record, error, category, 0),
    };
  }
}
