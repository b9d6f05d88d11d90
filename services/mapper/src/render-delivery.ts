import {
  ActionV1,
  DeliveryChannel,
  DeliveryV1,
  deliveryId,
  EmailDeliveryV1,
  FlowActionV1,
  SequenceActionV1,
  SequenceFired,
} from '@flowline/contracts';
import { MappingContext, MappingDefinition, renderHeaders, renderMapping } from '@flowline/mapping';
import { renderSequenceEmail } from './render-sequence-email';

/** What rendering needs from the configuration: `MappingCatalog` is one. */
export interface MappingLookup {
  find(tenant: string, id: string): MappingDefinition | undefined;
  questionTags(tenant: string): Readonly<Record<string, readonly string[]>>;
}

/** The delivery a validation failure stopped: what the delivery log needs to show it. */
export interface UnrenderedDelivery {
  /** The `webhook-id` it would have had. */
  id: string;
  channel: DeliveryChannel;
  connectionId?: string;
  flowId?: string;
  sequenceId?: string;
}

/**
 * Why an action has no delivery: a `config` problem (nothing to say which delivery it would have
 * been), or a `validation` problem of one delivery, which the delivery log records as failed.
 */
export type RenderFailure =
  | { ok: false; category: 'config'; error: string }
  | { ok: false; category: 'validation'; error: string; delivery: UnrenderedDelivery };

export type DeliveryResult = { ok: true; delivery: DeliveryV1 } | RenderFailure;

export type DeliveriesResult = { ok: true; deliveries: DeliveryV1[] } | RenderFailure;

/**
 * Every delivery of one action: a flow's one webhook; a completed sequence's webhook (when the
 * trigger has a `webhook_url`) and one email to its `emails` (when it has any), in that order.
 */
export function renderDeliveries(action: ActionV1, mappings: MappingLookup, now: Date): DeliveriesResult {
  if (action.kind === 'sequence') return renderSequenceDeliveries(action);
  const result = renderFlowDelivery(action, mappings, now);
  return result.ok ? { ok: true, deliveries: [result.delivery] } : result;
}

/** An action's webhook: a flow's, or a completed sequence's (`renderDeliveries` adds its email). */
export function renderDelivery(action: ActionV1, mappings: MappingLookup, now: Date): DeliveryResult {
  return action.kind === 'sequence' ? renderSequenceDelivery(action) : renderFlowDelivery(action, mappings, now);
}

/**
 * Turns one action into a delivery: its payload mapping renders the body (an object; the dispatcher
 * encodes it for the connection's content type) and its header mapping, if any, the mapped headers.
 * A missing mapping is a `config` problem (the caller looks again after a refresh); a mapping that
 * cannot be satisfied by this event is a `validation` problem: not retried (docs/CONTRACT.md §5).
 */
function renderFlowDelivery(action: FlowActionV1, mappings: MappingLookup, now: Date): DeliveryResult {
  const { event, destination } = action;
  const payloadMapping = mappings.find(action.tenant, destination.payloadMappingId);
  if (!payloadMapping)
    return { ok: false, category: 'config', error: `payload mapping ${destination.payloadMappingId} not found` };
  let headerMapping: MappingDefinition | undefined;
  if (destination.headerMappingId) {
    headerMapping = mappings.find(action.tenant, destination.headerMappingId);
    if (!headerMapping)
      return { ok: false, category: 'config', error: `header mapping ${destination.headerMappingId} not found` };
  }
  const context: MappingContext = {
    ...(action.flowName !== undefined ? { flowName: action.flowName } : {}),
    accountCode: action.tenant,
    now,
    questionTags: mappings.questionTags(action.tenant),
  };
  const payload = renderMapping(payloadMapping, event, context);
  const headers = headerMapping ? renderHeaders(headerMapping, event, context) : { headers: {}, errors: [] };
  const errors = [...payload.errors, ...headers.errors];
  const origin = `flow:${action.flowId}`;
  const id = deliveryId({ tenant: action.tenant, eventId: event.id, origin, connectionId: destination.connectionId });
  if (errors.length > 0) {
    const delivery: UnrenderedDelivery = {
      id,
      channel: 'webhook',
      connectionId: destination.connectionId,
      ...(action.flowId ? { flowId: action.flowId } : {}),
    };
    return { ok: false, category: 'validation', error: errors.join('; '), delivery };
  }
  return {
    ok: true,
    delivery: {
      v: 1,
      id,
      tenant: action.tenant,
      subject: action.subject,
      connectionId: destination.connectionId,
      ...(action.flowId ? { flowId: action.flowId } : {}),
      eventId: event.id,
      eventType: event.type,
      body: payload.payload,
      headers: headers.headers,
      ingestedAt: event.ingestedAt,
    },
  };
}

/** A completed sequence's webhook and email; a trigger with neither has nothing to deliver (`config`). */
export function renderSequenceDeliveries(action: SequenceActionV1): DeliveriesResult {
  const fired = action.sequence;
  if (!action.sequenceId) return { ok: false, category: 'config', error: 'sequence action without its sequence' };
  const deliveries: DeliveryV1[] = [];
  if (fired.webhookUrl) {
    const webhook = renderSequenceDelivery(action);
    if (!webhook.ok) return webhook;
    deliveries.push(webhook.delivery);
  }
  if (Array.isArray(fired.emails) && fired.emails.length > 0) {
    // A record from elsewhere must not crash the mapper: without its events there is no email to write.
    if (!Array.isArray(fired.events) || !Array.isArray(fired.eventTypes))
      return {
        ok: false,
        category: 'validation',
        error: `sequence ${action.sequenceId} action lacks its events`,
        delivery: { id: sequenceEmailId(action, action.sequenceId), channel: 'email', sequenceId: action.sequenceId },
      };
    deliveries.push(renderSequenceEmailDelivery(action, action.sequenceId, fired));
  }
  if (deliveries.length === 0)
    return { ok: false, category: 'config', error: `sequence ${action.sequenceId} has neither webhook_url nor emails` };
  return { ok: true, deliveries };
}

/**
 * A completed sequence's email, to all of the trigger's `emails` at once. Its id is derived like
 * the webhook's, with `emails` as the destination: one per (trigger, lead), distinct from the
 * webhook's, the same on every retry and replay (it becomes the Message-ID).
 */
function renderSequenceEmailDelivery(
  action: SequenceActionV1,
  sequenceId: string,
  fired: SequenceFired,
): EmailDeliveryV1 {
  return {
    v: 1,
    id: sequenceEmailId(action, sequenceId),
    channel: 'email',
    tenant: action.tenant,
    subject: action.subject,
    email: renderSequenceEmail({ sequenceId, lead: action.subject, fired }),
    sequenceId,
    eventId: action.event.id,
    eventType: action.event.type,
    body: null,
    headers: {},
    ingestedAt: action.event.ingestedAt,
  };
}

function sequenceEmailId(action: SequenceActionV1, sequenceId: string): string {
  return deliveryId({
    tenant: action.tenant,
    eventId: `lead:${action.subject}`,
    origin: `sequence:${sequenceId}`,
    connectionId: 'emails',
  });
}

/**
 * A completed sequence's webhook: exactly the reference's payload (docs/CONTRACT.md §7), to the trigger's
 * `webhook_url`, with one `webhook-id` per (trigger, lead). A trigger with only `emails` gets no
 * webhook delivery (`renderSequenceDeliveries` renders its email).
 */
export function renderSequenceDelivery(action: SequenceActionV1): DeliveryResult {
  const fired = action.sequence;
  if (!action.sequenceId) return { ok: false, category: 'config', error: 'sequence action without its sequence' };
  if (!fired.webhookUrl)
    return { ok: false, category: 'config', error: `sequence ${action.sequenceId} has no webhook_url` };
  return {
    ok: true,
    delivery: {
      v: 1,
      id: deliveryId({
        tenant: action.tenant,
        eventId: `lead:${action.subject}`,
        origin: `sequence:${action.sequenceId}`,
        connectionId: 'webhook_url',
      }),
      tenant: action.tenant,
      subject: action.subject,
      url: fired.webhookUrl,
      sequenceId: action.sequenceId,
      eventId: action.event.id,
      eventType: action.event.type,
      body: {
        trigger: { id: action.sequenceId, name: fired.name, type: 'sequence' },
        lead_id: action.subject,
        sequence: fired.eventTypes,
        events: fired.events,
      },
      headers: {},
      ingestedAt: action.event.ingestedAt,
    },
  };
}
