import { Module } from '@nestjs/common';
import { Topic } from '@flowline/contracts';
import { consumerHost } from '@flowline/runtime';
import { CompletionRelay } from './completion-relay';
import { DetectSequences } from './detect-sequences';
import { SequenceCatalog } from './sequence-catalog';

/** Per-lead windowed sequences (CONTRACT §7), durable in PostgreSQL. */
@Module({
  providers: [
    SequenceCatalog,
    DetectSequences,
    CompletionRelay,
    consumerHost('sequence-detector', (topics) => [topics.of(Topic.Events)], DetectSequences),
  ],
})
export class SequenceDetectorModule {}
