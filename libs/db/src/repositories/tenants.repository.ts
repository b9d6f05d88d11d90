import type { DataSource } from 'typeorm';
import { TenantEntity } from '../entities';

/** The tenants, created by the operator, each known to the API by the hash of its key. */
export class TenantsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts a tenant; answers it as stored, or undefined when a tenant of this id exists (an
   * INSERT that ignores the conflict, so two racing requests cannot both create it).
   */
  async create(tenant: { id: string; name: string; apiKeyHash: string }): Promise<TenantEntity | undefined> {
    const repository = this.dataSource.getRepository(TenantEntity);
    const inserted = await repository
      .createQueryBuilder()
      .insert()
      .values({ id: tenant.id, name: tenant.name, apiKeyHash: tenant.apiKeyHash })
      .orIgnore()
      .returning(['id', 'createdAt'])
      .execute();
    if ((inserted.raw as unknown[]).length === 0) return undefined;
    return repository.findOneByOrFail({ id: tenant.id });
  }

  /** The tenant whose API key hashes to this; undefined when none does. */
  async findByApiKeyHash(apiKeyHash: string): Promise<TenantEntity | undefined> {
    return (await this.dataSource.getRepository(TenantEntity).findOneBy({ apiKeyHash })) ?? undefined;
  }
}
