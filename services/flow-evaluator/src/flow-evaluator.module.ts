import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { InsightsRepository } from '@flowline/db';
import { DATA_SOURCE } from '@flowline/runtime';
import { EvaluateEvents } from './evaluate-events';
import { EventsController } from './events.controller';
import { FlowCatalog } from './flow-catalog';

@Module({
  controllers: [EventsController],
  providers: [
    FlowCatalog,
    {
      provide: InsightsRepository,
      useFactory: (dataSource: DataSource) => new InsightsRepository(dataSource),
      inject: [DATA_SOURCE],
    },
    EvaluateEvents,
  ],
})
export class FlowEvaluatorModule {}
