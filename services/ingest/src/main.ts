import { runServices } from '@flowline/runtime';
import { IngestModule } from './ingest.module';

void runServices({ names: ['ingest'], modules: [IngestModule] });
