import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topic } from '@flowline/contracts';
import type { ConsumedRecord } from '@flowline/kafka';
import { consumerGroup } from '@flowline/runtime';
import { MapActions } from './map-actions';

/** Actions, handed to `MapActions`. */
@Controller()
export class ActionsController {
  constructor(@Inject(MapActions) private readonly mapActions: MapActions) {}

  @EventPattern(Topic.Actions, consumerGroup('mapper'))
  handle(@Payload() records: ConsumedRecord[]): Promise<void> {
    return this.mapActions.execute(records);
  }
}
