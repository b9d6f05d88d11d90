import { Module } from '@nestjs/common';
import { Topic } from '@flowline/contracts';
import { consumerHost } from '@flowline/runtime';
import { EvaluateEvents } from './evaluate-events';
import { FlowCatalog } from './flow-catalog';

@Module({
  providers: [
    FlowCatalog,
    EvaluateEvents,
    consumerHost('flow-evaluator', (topics) => [topics.of(Topic.Events)], EvaluateEvents),
  ],
})
export class FlowEvaluatorModule {}
