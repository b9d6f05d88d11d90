import { runServices } from '@flowline/runtime';
import { FlowEvaluatorModule } from './flow-evaluator.module';

void runServices({ names: ['flow-evaluator'], modules: [FlowEvaluatorModule] });
