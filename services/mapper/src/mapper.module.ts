import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ValidationFailureRepository } from '@flowline/db';
import { DATA_SOURCE } from '@flowline/runtime';
import { ActionsController } from './actions.controller';
import { MapActions } from './map-actions';
import { MappingCatalog } from './mapping-catalog';

@Module({
  controllers: [ActionsController],
  providers: [
    MappingCatalog,
    {
      provide: ValidationFailureRepository,
      useFactory: (dataSource: DataSource) => new ValidationFailureRepository(dataSource),
      inject: [DATA_SOURCE],
    },
    MapActions,
  ],
})
export class MapperModule {}
