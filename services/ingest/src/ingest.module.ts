import { Module } from '@nestjs/common';
import { AcceptIngestedRecords } from './accept-ingested-records';
import { DedupeHorizonPruner } from './dedupe-horizon-pruner';
import { IngestedRecordsController } from './ingested-records.controller';

@Module({
  controllers: [IngestedRecordsController],
  providers: [AcceptIngestedRecords, DedupeHorizonPruner],
})
export class IngestModule {}
