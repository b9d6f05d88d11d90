import { Module, OnApplicationShutdown, Inject } from '@nestjs/common';
import { FlowlineEnv } from '@flowline/config';
import { Topic } from '@flowline/contracts';
import {
  AuthenticatedSender,
  EmailSender,
  OAuth2TokenManager,
  TargetAllowList,
  WebhookSender,
} from '@flowline/delivery';
import { consumerHost } from '@flowline/runtime';
import { ConnectionCatalog } from './connection-catalog';
import { DeliverWebhooks } from './deliver-webhooks';

@Module({
  providers: [
    ConnectionCatalog,
    {
      provide: WebhookSender,
      // The SSRF guard's allow list; an invalid entry stops the dispatcher at start, naming it.
      useFactory: (config: FlowlineEnv) =>
        new WebhookSender({ allowPrivateTargets: TargetAllowList.parse(config.FLOWLINE_ALLOW_PRIVATE_TARGETS) }),
      inject: [FlowlineEnv],
    },
    {
      provide: AuthenticatedSender,
      // OAuth2 token URLs go through the webhook sender's agent, so through the same SSRF guard.
      useFactory: (sender: WebhookSender) =>
        new AuthenticatedSender(sender, new OAuth2TokenManager({ dispatcher: sender.dispatcher })),
      inject: [WebhookSender],
    },
    {
      provide: EmailSender,
      // The SMTP pool is opened by the first email, not here: a dispatcher that sends none never connects.
      useFactory: (config: FlowlineEnv) => new EmailSender({ url: config.SMTP_URL, from: config.FLOWLINE_EMAIL_FROM }),
      inject: [FlowlineEnv],
    },
    DeliverWebhooks,
    consumerHost('dispatcher', (topics) => [topics.of(Topic.Deliveries)], DeliverWebhooks),
  ],
})
export class DispatcherModule implements OnApplicationShutdown {
  constructor(
    @Inject(WebhookSender) private readonly sender: WebhookSender,
    @Inject(EmailSender) private readonly emailSender: EmailSender,
  ) {}

  /** After the consumer stopped: no request or email is in flight any more. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.sender.close(), this.emailSender.close()]);
  }
}
