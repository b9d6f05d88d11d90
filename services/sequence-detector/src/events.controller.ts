import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topic } from '@flowline/contracts';
import type { ConsumedRecord } from '@flowline/kafka';
import { consumerGroup } from '@flowline/runtime';
import { DetectSequences } from './detect-sequences';

/** Events, handed to `DetectSequences` (the sequence-detector's own consumer group). */
@Controller()
export class EventsController {
  constructor(@Inject(DetectSequences) private readonly detect: DetectSequences) {}

  @EventPattern(Topic.Events, consumerGroup('sequence-detector'))
  handle(@Payload() records: ConsumedRecord[]): Promise<void> {
    return this.detect.execute(records);
  }
}
