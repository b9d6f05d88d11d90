import { Module } from '@nestjs/common';
import { Topic } from '@flowline/contracts';
import { consumerHost } from '@flowline/runtime';
import { MapActions } from './map-actions';
import { MappingCatalog } from './mapping-catalog';

@Module({
  providers: [MappingCatalog, MapActions, consumerHost('mapper', (topics) => [topics.of(Topic.Actions)], MapActions)],
})
export class MapperModule {}
