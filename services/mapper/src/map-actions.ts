import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  ActionV1,
  deadLetterHeaders,
  decodeAction,
  DeliveryV1,
  deliveryId,
  messageKey,
  Topic,
  TopicNames,
} from '@flowline/contracts';
import { ConsumedRecord, FlowlineProducer, OutgoingMessage } from '@flowline/kafka';
import { MappingDefinition, renderPayload } from '@flowline/mapping';
import { FlowlineMetrics } from '@flowline/observability';
import { LOGGER } from '@flowline/runtime';
import { MappingCatalog } from './mapping-catalog';

type MapResult = { ok: true; delivery: DeliveryV1 } | { ok: false; category: 'config' | 'validation'; error: string };

/** Mapper's use case: render each action's payload and headers into a delivery. */
@Injectable()
export class MapActions {
  constructor(
    @Inject(MappingCatalog) private readonly catalog: MappingCatalog,
    @Inject(FlowlineProducer) private readonly producer: FlowlineProducer,
    @Inject(TopicNames) private readonly topics: TopicNames,
    @Inject(FlowlineMetrics) private readonly metrics: FlowlineMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(records: ConsumedRecord[]): Promise<void> {
    const out: OutgoingMessage[] = [];
    for (const record of records) {
      const decoded = decodeAction(record.value);
      if (!decoded.ok) {
        this.metrics.deadLetters.labels('system').inc();
        out.push(this.deadLetter(record, decoded.error, 'system'));
        continue;
      }
      const action = decoded.value;
      let result = this.map(action);
      if (!result.ok && result.category === 'config') {
        // The flow may be newer than this catalog: look again before giving the action up.
        await this.catalog.refresh();
        result = this.map(action);
      }
      if (result.ok) {
        out.push({
          topic: this.topics.of(Topic.Deliveries),
          key: messageKey(action.tenant, action.subject),
          value: result.delivery,
          type: 'delivery',
        });
      } else {
        // Not retried: the same action and configuration would fail the same way (CONTRACT §5).
        this.metrics.deadLetters.labels(result.category).inc();
        this.logger.warn(
          { actionId: action.id, category: result.category, error: result.error },
          'action dead-lettered',
        );
        out.push(this.deadLetter(record, result.error, result.category));
      }
    }
    await this.producer.send(out);
  }

  private deadLetter(record: ConsumedRecord, error: string, category: string): OutgoingMessage {
    return {
      topic: this.topics.of(Topic.DeliveriesDlq),
      key: record.key ?? '',
      value: undefined,
      rawValue: record.value,
      type: 'action',
      headers: deadLetterHeaders(record, error, category, 0),
    };
  }

  private map(action: ActionV1): MapResult {
    const { event, destination } = action;
    const payloadMapping = this.catalog.find(action.tenant, destination.payloadMappingId);
    if (!payloadMapping)
      return { ok: false, category: 'config', error: `payload mapping ${destination.payloadMappingId} not found` };
    const payload = renderPayload(payloadMapping, event);
    let headerMapping: MappingDefinition | undefined;
    if (destination.headerMappingId) {
      headerMapping = this.catalog.find(action.tenant, destination.headerMappingId);
      if (!headerMapping)
        return { ok: false, category: 'config', error: `header mapping ${destination.headerMappingId} not found` };
    }
    const headers = headerMapping ? renderPayload(headerMapping, event) : { payload: {}, errors: [] };
    const errors = [...payload.errors, ...headers.errors];
    if (errors.length > 0) return { ok: false, category: 'validation', error: errors.join('; ') };
    const origin = action.kind === 'flow' ? `flow:${action.flowId}` : `sequence:${action.sequenceId}`;
    return {
      ok: true,
      delivery: {
        v: 1,
        id: deliveryId({ tenant: action.tenant, eventId: event.id, origin, connectionId: destination.connectionId }),
        tenant: action.tenant,
        subject: action.subject,
        connectionId: destination.connectionId,
        ...(action.flowId ? { flowId: action.flowId } : {}),
        ...(action.sequenceId ? { sequenceId: action.sequenceId } : {}),
        eventId: event.id,
        eventType: event.type,
        body: payload.payload,
        headers: Object.fromEntries(Object.entries(headers.payload).map(([name, value]) => [name, String(value)])),
        ingestedAt: event.ingestedAt,
      },
    };
  }
}
