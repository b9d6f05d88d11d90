import { Module } from '@nestjs/common';
import { AcceptIngestedRecords } from './accept-ingested-records';
import { IngestedRecordsController } from './ingested-records.controller';

@Module({
  controllers: [IngestedRecordsController],
  providers: [AcceptIngestedRecords],
})
export class IngestModule {}
