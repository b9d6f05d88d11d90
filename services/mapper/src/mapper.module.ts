import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Topic } from '@flowline/contracts';
import { ValidationFailureRepository } from '@flowline/db';
import { consumerHost, DATA_SOURCE } from '@flowline/runtime';
import { MapActions } from './map-actions';
import { MappingCatalog } from './mapping-catalog';

@Module({
  providers: [
    MappingCatalog,
    {
      provide: ValidationFailureRepository,
      useFactory: (dataSource: DataSource) => new ValidationFailureRepository(dataSource),
      inject: [DATA_SOURCE],
    },
    MapActions,
    consumerHost('mapper', (topics) => [topics.of(Topic.Actions)], MapActions),
  ],
})
export class MapperModule {}
