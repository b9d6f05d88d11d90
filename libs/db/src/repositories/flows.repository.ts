import type { DataSource } from 'typeorm';
import { FlowEntity } from '../entities';
import { TenantRowsRepository } from './tenant-rows.repository';

/** The tenants' flows (CONTRACT §6). */
export class FlowsRepository extends TenantRowsRepository<FlowEntity> {
  constructor(dataSource: DataSource) {
    super(dataSource, FlowEntity);
  }

  /** Removes every flow of the tenant (the demo starts its tenant afresh). */
  async removeAll(tenant: string): Promise<void> {
    await this.rows.delete({ tenantId: tenant });
  }
}
