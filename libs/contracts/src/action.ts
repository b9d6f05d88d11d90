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
  /** The event that triggered the action: for a sequence, the one that completed it. */
  event: FlowlineEvent;
  /** Where a flow's action goes; a sequence's goes where its trigger says (`sequence`). */
  destination?: DestinationRef;
  sequence?: SequenceFired;
}

/** A completed sequence (CONTRACT §7): what its webhook and emails carry. */
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
 * connection, or (`channel: 'email'`) one email to a sequence trigger's `emails`. `id` is the
 * Standard Webhooks `webhook-id` (for an email, its Message-ID), identical on every retry and replay.
 */
export interface DeliveryV1 {
  v: 1;
  id: string;
  /** Absent on a webhook delivery (records written before emails existed have none). */
  channel?: DeliveryChannel;
  tenant: string;
  subject: string;
  /** The tenant's connection; absent for a sequence's own `webhook_url`, sent to `url`, and for an email. */
  connectionId?: string;
  url?: string;
  /** The message of an email delivery; it has neither `connectionId` nor `url`. */
  email?: EmailContent;
  flowId?: string;
  sequenceId?: string;
  eventId: string;
  eventType: string;
  /** The webhook's body; `null` for an email delivery (its content is `email`). */
  body: unknown;
  headers: Record<string, string>;
  /** Epoch milliseconds at which ingest accepted the originating event. */
  ingestedAt: number;
}
