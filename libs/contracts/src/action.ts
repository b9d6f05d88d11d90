import { FlowlineEvent } from './event-envelope';

/** What a flow or a sequence trigger decided should be delivered, before mapping. */
export interface DestinationRef {
  connectionId: string;
  payloadMappingId: string;
  headerMappingId?: string;
}

/**
 * `flowline.actions` record, version 1. One action per (event, flow) or per completed
 * (sequence, lead); the mapper turns it into a delivery.
 */
export interface ActionV1 {
  v: 1;
  /** Deterministic: the same event and flow always give the same action id. */
  id: string;
  tenant: string;
  subject: string;
  kind: 'flow' | 'sequence';
  flowId?: string;
  flowName?: string;
  sequenceId?: string;
  event: FlowlineEvent;
  destination: DestinationRef;
}

/**
 * `flowline.deliveries` record, version 1: a fully mapped request for one subject to one
 * connection. `id` is the Standard Webhooks `webhook-id`, identical on every retry and replay.
 */
export interface DeliveryV1 {
  v: 1;
  id: string;
  tenant: string;
  subject: string;
  connectionId: string;
  flowId?: string;
  sequenceId?: string;
  eventId: string;
  eventType: string;
  body: unknown;
  headers: Record<string, string>;
  /** Epoch milliseconds at which ingest accepted the originating event. */
  ingestedAt: number;
}
