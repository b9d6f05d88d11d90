import { runServices } from '@flowline/runtime';
import { SequenceDetectorModule } from './sequence-detector.module';

void runServices({ names: ['sequence-detector'], modules: [SequenceDetectorModule] });
