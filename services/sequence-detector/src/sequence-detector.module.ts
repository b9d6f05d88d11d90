import { Module } from '@nestjs/common';
import { CompletionRelay } from './completion-relay';
import { DetectSequences } from './detect-sequences';
import { EventsController } from './events.controller';
import { SequenceCatalog } from './sequence-catalog';

/** Per-lead windowed sequences (docs/CONTRACT.md §7), durable in PostgreSQL. */
@Module({
  controllers: [EventsController],
  providers: [SequenceCatalog, DetectSequences, CompletionRelay],
})
export class SequenceDetectorModule {}
