import { Module } from '@nestjs/common';

/**
 * Runs with health and metrics; the windowed, per-lead sequence matching arrives with the
 * sequence-detector issue (CONTRACT §7).
 */
@Module({})
export class SequenceDetectorModule {}
