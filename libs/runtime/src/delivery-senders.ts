import { Provider } from '@nestjs/common';
import { FlowlineEnv } from '@flowline/config';
import type { Logger } from 'pino';
import { ConnectionSecretsRepository } from '@flowline/db';
import {
  AuthenticatedSender,
  authSecretOpener,
  OAuth2TokenManager,
  TargetAllowList,
  WebhookSender,
} from '@flowline/delivery';
import { SecretBox } from '@flowline/secrets';
import { LOGGER } from './tokens';

/**
 * The webhook sender behind the SSRF guard, and the authenticating sender over it (OAuth2 token
 * URLs go through the same guarded agent). The dispatcher and the api's connection test send
 * through these, so they send alike. An invalid allow-list entry stops the process at start.
 */
export const DELIVERY_SENDER_PROVIDERS: Provider[] = [
  {
    provide: WebhookSender,
    useFactory: (config: FlowlineEnv) =>
      new WebhookSender({ allowPrivateTargets: TargetAllowList.parse(config.FLOWLINE_ALLOW_PRIVATE_TARGETS) }),
    inject: [FlowlineEnv],
  },
  {
    provide: AuthenticatedSender,
    useFactory: (sender: WebhookSender, config: FlowlineEnv, secrets: ConnectionSecretsRepository, logger: Logger) => {
      const box = config.FLOWLINE_SECRET_KEY ? new SecretBox(config.FLOWLINE_SECRET_KEY) : undefined;
      // A rotated refresh token is stored sealed, like the one the tenant configured.
      const onRefreshTokenRotated = async (connectionId: string, refreshToken: string): Promise<void> => {
        if (!box) return;
        try {
          await secrets.storeRotatedRefreshToken(connectionId, box.seal(refreshToken));
        } catch (error) {
          logger.warn({ err: error, connectionId }, 'could not store the rotated OAuth2 refresh token');
        }
      };
      // Another dispatcher's rotation reloads no configuration: the stored token is read when refreshing.
      const open = authSecretOpener(config.FLOWLINE_SECRET_KEY, config.FLOWLINE_SECRET_KEY_PREVIOUS);
      const storedRefreshToken = async (connectionId: string): Promise<string | undefined> => {
        if (!box) return undefined;
        try {
          const sealed = await secrets.storedRefreshToken(connectionId);
          return sealed === undefined ? undefined : open(sealed);
        } catch (error) {
          logger.warn({ err: error, connectionId }, 'could not read the stored OAuth2 refresh token');
          return undefined;
        }
      };
      return new AuthenticatedSender(
        sender,
        new OAuth2TokenManager({ dispatcher: sender.dispatcher, onRefreshTokenRotated, storedRefreshToken }),
      );
    },
    inject: [WebhookSender, FlowlineEnv, ConnectionSecretsRepository, LOGGER],
  },
];
