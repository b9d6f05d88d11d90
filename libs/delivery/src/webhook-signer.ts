import { Webhook } from 'standardwebhooks';

/**
 * Signs requests as Standard Webhooks says: `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `${webhook-id}.${webhook-timestamp}.${body}`, keyed by the base64 after `whsec_`. The secret
 * lives only in a private field: a signer printed, logged or serialised shows no secret.
 */
export class WebhookSigner {
  readonly #webhook: Webhook;

  /** Throws (without the secret in the message) when the secret is not `whsec_` + base64. */
  constructor(secret: string) {
    try {
      this.#webhook = new Webhook(secret);
    } catch {
      throw new Error('the signing secret is not whsec_ followed by base64');
    }
  }

  /** The `webhook-signature` header value; `timestampS` is `webhook-timestamp` (Unix seconds). */
  sign(webhookId: string, timestampS: number, body: string): string {
    return this.#webhook.sign(webhookId, new Date(timestampS * 1000), body);
  }

  toJSON(): string {
    return '[WebhookSigner]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[WebhookSigner]';
  }
}
