import { Module, OnApplicationShutdown, Inject } from '@nestjs/common';
import { FlowlineEnv } from '@flowline/config';
import { RETRY_TIERS, retryTopic, Topic } from '@flowline/contracts';
import { EmailSender, WebhookSender } from '@flowline/delivery';
import { consumerHost, DELIVERY_SENDER_PROVIDERS } from '@flowline/runtime';
import { ConnectionCatalog } from './connection-catalog';
import { DeliverWebhooks } from './deliver-webhooks';
import { QueueSweeper } from './queue-sweeper';

@Module({
  providers: [
    ConnectionCatalog,
    ...DELIVERY_SENDER_PROVIDERS,
    {
      provide: EmailSender,
      // The SMTP pool is opened by the first email, not here: a dispatcher that sends none never connects.
      useFactory: (config: FlowlineEnv) => new EmailSender({ url: config.SMTP_URL, from: config.FLOWLINE_EMAIL_FROM }),
      inject: [FlowlineEnv],
    },
    DeliverWebhooks,
    // One group for new deliveries and every retry tier: a retry tier's partition pauses until its
    // first record is due, without holding up the others.
    consumerHost(
      'dispatcher',
      (topics) => [
        topics.of(Topic.Deliveries),
        ...Array.from({ length: RETRY_TIERS }, (_, index) => topics.of(retryTopic(index + 1))),
      ],
      DeliverWebhooks,
    ),
    QueueSweeper,
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
