import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { InsightsRepository } from '@flowline/db';
import { DATA_SOURCE } from '@flowline/runtime';
import { AuthModule } from '../auth/auth.module';
import { InsightsController } from './insights.controller';

/** `GET /insights`: the per-tenant figures the flow-evaluator, mapper and dispatcher keep in PostgreSQL. */
@Module({
  imports: [AuthModule],
  controllers: [InsightsController],
  providers: [
    {
      provide: InsightsRepository,
      useFactory: (dataSource: DataSource) => new InsightsRepository(dataSource),
      inject: [DATA_SOURCE],
    },
  ],
})
export class InsightsModule {}
