import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { RETRY_TIERS, retryTopic, Topic } from '@flowline/contracts';
import type { ConsumedRecord, PartlyHandled } from '@flowline/kafka';
import { ChunkContext, consumerGroup } from '@flowline/runtime';
import { DeliverWebhooks } from './deliver-webhooks';

/**
 * New deliveries and every retry tier, in one consumer group: a retry tier's partition pauses
 * until its first record is due (the `PartlyHandled` answer), without holding up the others.
 */
@Controller()
export class DeliveriesController {
  constructor(@Inject(DeliverWebhooks) private readonly deliver: DeliverWebhooks) {}

  @EventPattern(
    [Topic.Deliveries, ...Array.from({ length: RETRY_TIERS }, (_, index) => retryTopic(index + 1))],
    consumerGroup('dispatcher'),
  )
  handle(@Payload() records: ConsumedRecord[], @Ctx() context: ChunkContext): Promise<void | PartlyHandled> {
    return this.deliver.execute(records, context.getBatchContext());
  }
}
