import { Module, OnApplicationShutdown, Inject } from '@nestjs/common';
import { Topic } from '@flowline/contracts';
import { WebhookSender } from '@flowline/delivery';
import { consumerHost } from '@flowline/runtime';
import { ConnectionCatalog } from './connection-catalog';
import { DeliverWebhooks } from './deliver-webhooks';

@Module({
  providers: [
    ConnectionCatalog,
    { provide: WebhookSender, useFactory: () => new WebhookSender() },
    DeliverWebhooks,
    consumerHost('dispatcher', (topics) => [topics.of(Topic.Deliveries)], DeliverWebhooks),
  ],
})
export class DispatcherModule implements OnApplicationShutdown {
  constructor(@Inject(WebhookSender) private readonly sender: WebhookSender) {}

  /** After the consumer stopped: no request is in flight any more. */
  async onApplicationShutdown(): Promise<void> {
    await this.sender.close();
  }
}
