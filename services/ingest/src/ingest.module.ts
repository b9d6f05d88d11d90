import { Module } from '@nestjs/common';
import { Topic } from '@flowline/contracts';
import { consumerHost } from '@flowline/runtime';
import { AcceptIngestedRecords } from './accept-ingested-records';
import { DedupeHorizonPruner } from './dedupe-horizon-pruner';

@Module({
  providers: [
    AcceptIngestedRecords,
    DedupeHorizonPruner,
    consumerHost('ingest', (topics) => [topics.of(Topic.Ingest)], AcceptIngestedRecords),
  ],
})
export class IngestModule {}
