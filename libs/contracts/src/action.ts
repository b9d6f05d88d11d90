import { FlowlineEvent } from './event-envelope';

/** What a flow or a sequence trigger decided should be delivered, before mapping. */
export interface DestinationRef {
  connectionId: string;
  payloadMappingId: string;
  headerMappingId?: string;
}

/**
 * `flowline.actions` record, version 1. One action per (event, flow) or per completed
 * (sequence, lead); the mapper turns it into deliveries. Tagged by `kind`: a flow's action names
 * its destination, a sequence's carries its trigger.
 */
export type ActionV1 = FlowActionV1 | SequenceActionV1;

interface ActionBase {
  v: 1;
  /** Deterministic: the same event and flow always give the same action id. */
  id: string;
  tenant: string;
  subject: string;
  /** The event that triggered the action: for a sequence, the one that completed it. */
  event: FlowlineEvent;
}

export interface FlowActionV1 extends ActionBase {
  kind: 'flow';
  /** Always written by Flowline; version 1 never required it of a record, so decoding does not. */
  flowId?: string;
  flowName?: string;
  destination: DestinationRef;
}

export interface SequenceActionV1 extends ActionBase {
  kind: 'sequence';
  /** Always written by Flowline; a record without it is refused by the mapper (`config`). */
  sequenceId?: string;
  sequence: SequenceFired;
}

/** A completed sequence (docs/CONTRACT.md §7): what its webhook and emails carry. */
export interface SequenceFired {
  name: string;
  eventTypes: string[];
  /** The events that completed it, as the reference's payload lists them. */
  events: Array<{ id: string; event_type: string; created_at: string }>;
  webhookUrl?: string;
  emails: string[];
  emailSubject?: string;
  emailPreheader?: string;
  emailMessage?: string;
}

/** How a delivery is sent: an HTTP request (the default when absent) or an email through SMTP. */
export type DeliveryChannel = 'webhook' | 'email';

/** A rendered email: what the dispatcher hands to the SMTP server, as it is. */
export interface EmailContent {
  to: string[];
  subject: string;
  /** Hidden preview text, already placed at the top of `html` and as the first line of `text`. */
  preheader?: string;
  text: string;
  html: string;
}

/**
 * `flowline.deliveries` record, version 1: a fully mapped request for one subject to one
 * connection, or one email to a sequence trigger's `emails`. Tagged by `channel`, which a webhook
 * delivery leaves out (records written before emails existed have none, and new ones keep the
 * same bytes). `id` is the Standard Webhooks `webhook-id` (for an email, its Message-ID),
 * identical on every retry and replay.
 */
export type DeliveryV1 = WebhookDeliveryV1 | EmailDeliveryV1;

interface DeliveryBase {
  v: 1;
  id: string;
  tenant: string;
  subject: string;
  flowId?: string;
  sequenceId?: string;
  eventId: string;
  eventType: string;
  headers: Record<string, string>;
  /** Epoch milliseconds at which ingest accepted the originating event. */
  ingestedAt: number;
}

/** An HTTP request to the tenant's connection, or to a sequence's own `webhook_url` (`url`). */
export interface WebhookDeliveryV1 extends DeliveryBase {
  channel?: 'webhook';
  /** The tenant's connection; absent for a sequence's own `webhook_url`, sent to `url`. */
  connectionId?: string;
  url?: string;
  /**
   * A notification to one of the tenant's notification endpoints (decision 0026): sent with the
   * endpoint's URL and signing secret; never pauses anything and never notifies of itself.
   */
  notificationEndpointId?: string;
  /** The webhook's body, encoded for the connection's content type when sent. */
  body: unknown;
}

/** One email through SMTP: it has neither a connection nor a URL. */
export interface EmailDeliveryV1 extends DeliveryBase {
  channel: 'email';
  email: EmailContent;
  connectionId?: never;
  url?: never;
  /** Always `null`: the content is `email`. */
  body: null;
}
