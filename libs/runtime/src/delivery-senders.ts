import { Provider } from '@nestjs/common';
import { FlowlineEnv } from '@flowline/config';
import { AuthenticatedSender, OAuth2TokenManager, TargetAllowList, WebhookSender } from '@flowline/delivery';

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
    useFactory: (sender: WebhookSender) =>
      new AuthenticatedSender(sender, new OAuth2TokenManager({ dispatcher: sender.dispatcher })),
    inject: [WebhookSender],
  },
];
