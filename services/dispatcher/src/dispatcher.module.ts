import { Module, OnApplicationShutdown, Inject } from '@nestjs/common';
import { FlowlineEnv } from '@flowline/config';
import { EmailSender, WebhookSender } from '@flowline/delivery';
import { DELIVERY_SENDER_PROVIDERS } from '@flowline/runtime';
import { ConnectionCatalog } from './connection-catalog';
import { DeliverWebhooks } from './deliver-webhooks';
import { DeliveriesController } from './deliveries.controller';
import { QueueSweeper } from './queue-sweeper';

@Module({
  controllers: [DeliveriesController],
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
