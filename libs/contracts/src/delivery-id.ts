import { hash } from 'node:crypto';

/**
 * The deterministic id of one delivery (docs/ARCHITECTURE.md "Guarantees"): derived from the event,
 * the flow or sequence, and the destination, so a redelivery or a replay carries the same
 * `webhook-id` and receivers can de-duplicate.
 */
export function deliveryId(parts: { tenant: string; eventId: string; origin: string; connectionId: string }): string {
  // One-shot `hash`: half the CPU of a Hash object for texts this short (issue 13).
  const digest = hash(
    'sha256',
    [parts.tenant, parts.eventId, parts.origin, parts.connectionId].join('\u0000'),
    'base64url',
  );
  return `msg_${digest.slice(0, 32)}`;
}

/** The id of the action a flow takes for an event: one per (event, flow). */
export function actionId(tenant: string, eventId: string, origin: string): string {
  const digest = hash('sha256', [tenant, eventId, origin].join('\u0000'), 'base64url');
  return `act_${digest.slice(0, 32)}`;
}
