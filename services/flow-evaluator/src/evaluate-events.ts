import { Inject, Injectable } from '@nestjs/common';
import { decodeEvent, FlowlineEvent, messageKey, Topic, TopicNames } from '@flowline/contracts';
import { InsightsRepository } from '@flowline/db';
import { ConsumedRecord, deadLetterRecord, FlowlineProducer, OutgoingMessage } from '@flowline/kafka';
import { flowAction } from '@flowline/matching';
import { FlowlineMetrics } from '@flowline/observability';
import { FlowCatalog } from './flow-catalog';
import { EvaluatedEvent, ingestionTime, tallyInsights } from './insights-tally';

/** Where the evaluator's per-tenant figures go: `InsightsRepository` is one. */
export type InsightsRecorder = Pick<InsightsRepository, 'record'>;

/** Flow-evaluator's use case: each event against its tenant's flows; one action per match. */
@Injectable()
export class EvaluateEvents {
  constructor(
    @Inject(FlowCatalog) private readonly catalog: FlowCatalog,
    @Inject(FlowlineProducer) private readonly producer: FlowlineProducer,
    @Inject(TopicNames) private readonly topics: TopicNames,
    @Inject(FlowlineMetrics) private readonly metrics: FlowlineMetrics,
    @Inject(InsightsRepository) private readonly insights: InsightsRecorder,
  ) {}

  async execute(records: ConsumedRecord[]): Promise<void> {
    const index = this.catalog.index();
    const actions: OutgoingMessage[] = [];
    const out: OutgoingMessage[] = [];
    const evaluated: EvaluatedEvent[] = [];
    for (const record of records) {
      const decoded = decodeEvent(record.value);
      const match = decoded.ok ? this.match(index, decoded.value) : decoded;
      if (!match.ok) {
        this.metrics.deadLettered('system');
        out.push(
          deadLetterRecord({
            topic: this.topics.of(Topic.EventsInvalid),
            key: record.key ?? `invalid:${record.partition}`,
            type: 'invalid-event',
            original: record.value,
            origin: record,
            error: match.error,
            category: 'system',
            attempts: 0,
          }),
        );
        continue;
      }
      const event = match.event;
      this.metrics.changesProcessed.inc();
      const { matched, notTriggered } = match;
      // Once per event that triggers nothing, with the most specific reason among its tenant's flows.
      if (notTriggered) this.metrics.actionsNotTriggered.labels(notTriggered).inc();
      evaluated.push({
        tenant: event.tenant,
        subject: event.subject,
        live: event.test !== true,
        ingestedAt: ingestionTime(event.ingestedAt, record.timestamp),
        flowIds: matched.map((flow) => flow.id),
        ...(notTriggered ? { notTriggered } : {}),
      });
      for (const flow of matched) {
        actions.push({
          topic: this.topics.of(Topic.Actions),
          key: messageKey(event.tenant, event.subject),
          value: flowAction(flow, event),
          type: 'action',
        });
      }
    }
    // Counted before the actions are produced (and both before the offsets are committed): a
    // PostgreSQL failure fails the chunk before anything went out, so its retry sends nothing
    // twice; a produce failure after counting counts the retried chunk again (decision 0010).
    await this.insights.record(tallyInsights(evaluated));
    await this.producer.send([...actions, ...out]);
    this.metrics.actionsTriggered.labels('flow').inc(actions.length);
  }

  /**
   * Matching is pure: should it throw on an event, it would on every retry, so the event is set
   * aside (category `system`) rather than stopping the partition for every tenant.
   */
  private match(
    index: ReturnType<FlowCatalog['index']>,
    event: FlowlineEvent,
  ): ({ ok: true; event: FlowlineEvent } & ReturnType<typeof index.match>) | { ok: false; error: string } {
    try {
      return { ok: true, event, ...index.match(event) };
    } catch (error) {
      return { ok: false, error: `matching failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}
