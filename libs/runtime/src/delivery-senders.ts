import { Provider } from '@nestjs/common';
import { FlowlineEnv } from '@flowline/config';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { storeRotatedRefreshToken } from '@flowline/db';
import { AuthenticatedSender, OAuth2TokenManager, TargetAllowList, WebhookSender } from '@flowline/delivery';
import { SecretBox } from '@flowline/secrets';
import { DATA_SOURCE } from './core.module';
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
    useFactory: (sender: WebhookSender, config: FlowlineEnv, dataSource: DataSource, logger: Logger) => {
      const box = config.FLOWLINE_SECRET_KEY ? new SecretBox(config.FLOWLINE_SECRET_KEY) : undefined;
      // A rotated refresh token is stored sealed, like the one the tenant configured.
      const onRefreshTokenRotated = async (connectionId: string, refreshToken: string): Promise<void> => {
        if (!box) return;
        try {
          await storeRotatedRefreshToken(dataSource, connectionId, box.seal(refreshToken));
        } catch (error) {
          logger.warn({ err: error, connectionId }, 'could not store the rotated OAuth2 refresh token');
        }
      };
      return new AuthenticatedSender(
        sender,
        new OAuth2TokenManager({ dispatcher: sender.dispatcher, onRefreshTokenRotated }),
      );
    },
    inject: [WebhookSender, FlowlineEnv, DATA_SOURCE, LOGGER],
  },
];
