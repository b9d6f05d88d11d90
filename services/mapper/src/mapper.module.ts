import { Module } from '@nestjs/common';
import { ActionsController } from './actions.controller';
import { MapActions } from './map-actions';
import { MappingCatalog } from './mapping-catalog';

@Module({
  controllers: [ActionsController],
  providers: [MappingCatalog, MapActions],
})
export class MapperModule {}
