import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topic } from '@flowline/contracts';
import type { ConsumedRecord } from '@flowline/kafka';
import { consumerGroup } from '@flowline/runtime';
import { AcceptIngestedRecords } from './accept-ingested-records';

/** Raw records producers wrote to the ingest topic, handed to `AcceptIngestedRecords`. */
@Controller()
export class IngestedRecordsController {
  constructor(@Inject(AcceptIngestedRecords) private readonly accept: AcceptIngestedRecords) {}

  @EventPattern(Topic.Ingest, consumerGroup('ingest'))
  handle(@Payload() records: ConsumedRecord[]): Promise<void> {
    return this.accept.execute(records);
  }
}
