import { runServices } from '@flowline/runtime';
import { MapperModule } from './mapper.module';

void runServices({ names: ['mapper'], modules: [MapperModule] });
