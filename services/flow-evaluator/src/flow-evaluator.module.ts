import { Module } from '@nestjs/common';
import { EvaluateEvents } from './evaluate-events';
import { EventsController } from './events.controller';
import { FlowCatalog } from './flow-catalog';

@Module({
  controllers: [EventsController],
  providers: [FlowCatalog, EvaluateEvents],
})
export class FlowEvaluatorModule {}
