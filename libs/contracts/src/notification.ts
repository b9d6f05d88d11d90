import { randomUUID } from 'node:crypto';
import type { DeliveryV1 } from './action';
import { messageKey } from './message-key';

/** What a notification endpoint may subscribe to (decision 0026). */
export const NOTIFICATION_EVENTS = [
  'connection.paused',
  'connection.resumed',
  'delivery.abandoned',
  'replay.finished',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** The subject (and so the lane and message key) every notification of a tenant goes under. */
export const NOTIFICATION_SUBJECT = 'notifications';

/** Something to tell a tenant's operators: its type, and what they need to act on it. */
export interface Notice {
  type: NotificationEvent;
  tenant: string;
  /** When it happened: epoch milliseconds. */
  at: number;
  data: Record<string, unknown>;
  /**
   * Makes the notification's id (`webhook-id`) deterministic: the same notice produced twice
   * (a flush repeated after a crash) carries the same id, so a receiver can de-duplicate.
   */
  dedupeKey?: string;
}

/** Where a tenant wants notices: its own URL (signed with its own secret), or email addresses. */
export type NotificationTarget =
  { id: string; kind: 'webhook' } | { id: string; kind: 'email'; emails: readonly string[] };

/** The body a webhook notification endpoint receives (Standard Webhooks' `{type, timestamp, data}`). */
export function notificationBody(notice: Notice): { type: NotificationEvent; timestamp: string; data: unknown } {
  return { type: notice.type, timestamp: new Date(notice.at).toISOString(), data: notice.data };
}

/** A short line per notice, for an email's subject. */
function headline(notice: Notice): string {
  const { data } = notice;
  switch (notice.type) {
    case 'connection.paused':
      return `connection ${String(data.connection_name ?? data.connection_id)} paused`;
    case 'connection.resumed':
      return `connection ${String(data.connection_name ?? data.connection_id)} resumed`;
    case 'delivery.abandoned':
      return `${String(data.count)} deliveries abandoned to connection ${String(data.connection_name ?? data.connection_id)}`;
    case 'replay.finished':
      return `replay ${String(data.replay_id)} ${String(data.status)}`;
  }
}

/**
 * One `flowline.deliveries` record per target for a notice, keyed by the tenant (subject
 * `notifications`), so each endpoint's notifications go in order, through the dispatcher's
 * retries, attempt log and SSRF guard like any delivery. Pure: ids come from `newId` unless the
 * notice has a dedupe key.
 */
export function notificationDeliveries(
  notice: Notice,
  targets: readonly NotificationTarget[],
  newId: () => string = randomUUID,
): Array<{ key: string; delivery: DeliveryV1 }> {
  const key = messageKey(notice.tenant, NOTIFICATION_SUBJECT);
  const eventId = `notification:${notice.dedupeKey ?? newId()}`;
  return targets.map((target) => {
    const base = {
      v: 1 as const,
      id: `ntf_${notice.dedupeKey ? `${target.id}:${notice.dedupeKey}` : newId()}`.slice(0, 200),
      tenant: notice.tenant,
      subject: NOTIFICATION_SUBJECT,
      eventId,
      eventType: notice.type,
      headers: {},
      ingestedAt: notice.at,
    };
    if (target.kind === 'webhook')
      return { key, delivery: { ...base, notificationEndpointId: target.id, body: notificationBody(notice) } };
    const text = `${headline(notice)}\n\n${JSON.stringify(notificationBody(notice), null, 2)}\n`;
    return {
      key,
      delivery: {
        ...base,
        channel: 'email' as const,
        body: null,
        email: {
          to: [...target.emails],
          subject: `[Flowline] ${headline(notice)}`.slice(0, 200),
          text,
          html: `<pre>${escapeHtml(text)}</pre>`,
        },
      },
    };
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
