import { createHash } from 'node:crypto';

/**
 * The deterministic id of one delivery (docs/ARCHITECTURE.md "Guarantees"): derived from the event,
 * the flow or sequence, and the destination, so a redelivery or a replay carries the same
 * `webhook-id` and receivers can de-duplicate.
 */
export function deliveryId(parts: { tenant: string; eventId: string; origin: string; connectionId: string }): string {
  const digest = createHash('sha256')
    .update([parts.tenant, parts.eventId, parts.origin, parts.connectionId].join('\u0000'))
    .digest('base64url');
  return `msg_${digest.slice(0, 32)}`;
}

/** The id of the action a flow takes for an event: one per (event, flow). */
export function actionId(tenant: string, eventId: string, origin: string): string {
  const digest = createHash('sha256').update([tenant, eventId, origin].join('\u0000')).digest('base64url');
  return `act_${digest.slice(0, 32)}`;
}
