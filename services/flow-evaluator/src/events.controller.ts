import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topic } from '@flowline/contracts';
import type { ConsumedRecord } from '@flowline/kafka';
import { consumerGroup } from '@flowline/runtime';
import { EvaluateEvents } from './evaluate-events';

/** Events, handed to `EvaluateEvents` (the flow-evaluator's own consumer group). */
@Controller()
export class EventsController {
  constructor(@Inject(EvaluateEvents) private readonly evaluate: EvaluateEvents) {}

  @EventPattern(Topic.Events, consumerGroup('flow-evaluator'))
  handle(@Payload() records: ConsumedRecord[]): Promise<void> {
    return this.evaluate.execute(records);
  }
}
