import { runServices } from '@flowline/runtime';
import { DispatcherModule } from './dispatcher.module';

void runServices({ names: ['dispatcher'], modules: [DispatcherModule] });
