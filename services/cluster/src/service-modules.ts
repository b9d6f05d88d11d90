import { Type } from '@nestjs/common';
import { ServiceName } from '@flowline/config';
import { ApiModule } from '../../api/src/api.module';
import { DispatcherModule } from '../../dispatcher/src/dispatcher.module';
import { FlowEvaluatorModule } from '../../flow-evaluator/src/flow-evaluator.module';
import { IngestModule } from '../../ingest/src/ingest.module';
import { MapperModule } from '../../mapper/src/mapper.module';
import { SequenceDetectorModule } from '../../sequence-detector/src/sequence-detector.module';

/** Every service's Nest module, so any set of them can be composed into one process. */
export const SERVICE_MODULES: Record<ServiceName, Type<unknown>> = {
  ingest: IngestModule,
  'flow-evaluator': FlowEvaluatorModule,
  'sequence-detector': SequenceDetectorModule,
  mapper: MapperModule,
  dispatcher: DispatcherModule,
  api: ApiModule,
};
