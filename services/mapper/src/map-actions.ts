import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ActionV1, decodeAction, FailureCategory, Topic, TopicNames } from '@flowline/contracts';
import { ValidationFailureRecord, ValidationFailureRepository } from '@flowline/db';
import { ConsumedRecord, deadLetterRecord, FlowlineProducer, OutgoingMessage } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import { LOGGER } from '@flowline/runtime';
import { deliveryRecords, DeliveryRecords } from './delivery-records';
import { MappingCatalog } from './mapping-catalog';
import { renderDeliveries, RenderFailure } from './render-delivery';
import { validationFailureRecord } from './validation-failure';

/** What becomes of one action: its delivery records, or why it has none. */
type ActionOutcome = DeliveryRecords | RenderFailure | { ok: false; category: 'system'; error: string };

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
      let result = this.render(action);
      if (!result.ok && result.category === 'config') {
        // The flow may be newer than this catalog: look again before giving the action up.
        await this.catalog.refresh();
        result = this.render(action);
      }
      if (result.ok) {
        out.push(...result.records);
      } else {
        // Not retried: the same action and configuration would fail the same way (docs/CONTRACT.md §5).
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

  /**
   * An action's delivery records, measured; or why it has none. Pure work on one record: what
   * throws here would throw on every retry, so it is the action's failure (`system`), not the
   * partition's.
   */
  private render(action: ActionV1): ActionOutcome {
    try {
      // current_date is the day Flowline accepted the event: a redelivery or replay renders the same body.
      const rendered = renderDeliveries(action, this.catalog, new Date(action.event.ingestedAt));
      if (!rendered.ok) return rendered;
      return deliveryRecords(action, rendered.deliveries, this.topics.of(Topic.Deliveries));
    } catch (error) {
      this.logger.error({ err: error, actionId: action.id }, 'rendering an action failed unexpectedly');
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, category: 'system', error: `rendering failed: ${reason}` };
    }
  }

  private deadLetter(record: ConsumedRecord, error: string, category: FailureCategory): OutgoingMessage {
    return deadLetterRecord({
      topic: this.topics.of(Topic.DeliveriesDlq),
      key: record.key ?? '',
      type: 'action',
      original: record.value,
      origin: record,
      error,
      category,
      attempts: 0,
    });
  }
}
