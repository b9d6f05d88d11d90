import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Topic } from '@flowline/contracts';
import { InsightsRepository } from '@flowline/db';
import { consumerHost, DATA_SOURCE } from '@flowline/runtime';
import { EvaluateEvents } from './evaluate-events';
import { FlowCatalog } from './flow-catalog';

@Module({
  providers: [
    FlowCatalog,
    {
      provide: InsightsRepository,
      useFactory: (dataSource: DataSource) => new InsightsRepository(dataSource),
      inject: [DATA_SOURCE],
    },
    EvaluateEvents,
    consumerHost('flow-evaluator', (topics) => [topics.of(Topic.Events)], EvaluateEvents),
  ],
})
export class FlowEvaluatorModule {}
