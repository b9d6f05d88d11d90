import { runServices } from '@flowline/runtime';
import { ApiModule } from './api.module';

void runServices({ names: ['api'], modules: [ApiModule] });
