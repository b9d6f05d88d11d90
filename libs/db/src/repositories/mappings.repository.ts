import type { DataSource } from 'typeorm';
import { MappingEntity } from '../entities';
import { TenantRowsRepository } from './tenant-rows.repository';

/** The tenants' payload and header mappings (CONTRACT §5). */
export class MappingsRepository extends TenantRowsRepository<MappingEntity> {
  constructor(dataSource: DataSource) {
    super(dataSource, MappingEntity);
  }
}
