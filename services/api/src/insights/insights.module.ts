import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { InsightsRepository } from '@flowline/db';
import { DATA_SOURCE } from '@flowline/runtime';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { InsightsController } from './insights.controller';

/** `GET /insights`: the per-tenant figures the flow-evaluator, mapper and dispatcher keep in PostgreSQL. */
@Module({
  controllers: [InsightsController],
  providers: [
    TenantAuthGuard,
    {
      provide: InsightsRepository,
      useFactory: (dataSource: DataSource) => new InsightsRepository(dataSource),
      inject: [DATA_SOURCE],
    },
  ],
})
export class InsightsModule {}
