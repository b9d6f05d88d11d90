import { Module } from '@nestjs/common';
import { RetentionHousekeeping } from './retention-housekeeping';

/** Retention enforced by the api in the background (decision 0021). */
@Module({ providers: [RetentionHousekeeping] })
export class RetentionModule {}
