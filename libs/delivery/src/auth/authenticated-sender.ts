import { DeliveryV1 } from '@flowline/contracts';
import { buildWebhookRequest } from '../build-request';
import { ConnectionSettings } from '../connection-settings';
import { SentRequest, WebhookSender } from '../webhook-sender';
import { OAuth2Auth } from './delivery-auth';
import { OAuth2TokenManager } from './oauth2-token-manager';

export interface AuthenticatedSend {
  /** The attempt's result: the receiver's answer, or the token endpoint's failure. */
  sent: SentRequest;
  /**
   * With OAuth2, the receiver's 401 to a cached token, when there was one: the token was dropped
   * and the delivery sent once more with a new one (`sent`). That second request is part of the
   * same attempt, not one of the delivery's retries.
   */
  refused?: SentRequest;
}

/**
 * Sends a delivery with its connection's auth. The static types are plain headers; OAuth2 takes
 * a token from the token manager first and, when the receiver answers 401, invalidates it and
 * sends the delivery again, once, with a new token (a second 401 is then the outcome).
 */
export class AuthenticatedSender {
  constructor(
    private readonly sender: WebhookSender,
    readonly tokens: OAuth2TokenManager,
  ) {}

  async send(connection: ConnectionSettings, delivery: DeliveryV1): Promise<AuthenticatedSend> {
    const auth = connection.auth;
    if (auth?.type !== 'oauth2') {
      return { sent: await this.sender.send(buildWebhookRequest(connection, delivery, Date.now())) };
    }
    const first = await this.sendWithToken(connection, auth, delivery);
    const unauthorized = first.sent.result.kind === 'response' && first.sent.result.status === 401;
    if (first.token === undefined || !unauthorized) return { sent: first.sent };
    this.tokens.invalidate(connection.id, first.token);
    const second = await this.sendWithToken(connection, auth, delivery);
    return { sent: second.sent, refused: first.sent };
  }

  private async sendWithToken(
    connection: ConnectionSettings,
    auth: OAuth2Auth,
    delivery: DeliveryV1,
  ): Promise<{ sent: SentRequest; token?: string }> {
    const started = performance.now();
    const answer = await this.tokens.accessToken(connection.id, auth);
    if (!answer.ok) {
      return { sent: { result: answer.result, latencyMs: performance.now() - started, responseExcerpt: null } };
    }
    const sent = await this.sender.send(buildWebhookRequest(connection, delivery, Date.now(), answer.token));
    return { sent, token: answer.token };
  }
}
