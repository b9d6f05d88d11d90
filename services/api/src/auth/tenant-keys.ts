import { Inject, Injectable } from '@nestjs/common';
import { TenantsRepository } from '@flowline/db';
import { hashApiKey } from './api-key';

/** Which tenant an API key names (CONTRACT §10): the request guard's question, and the console's sign-in. */
@Injectable()
export class TenantKeys {
  constructor(@Inject(TenantsRepository) private readonly tenants: TenantsRepository) {}

  /** The tenant of the key; undefined when the key is no tenant's. */
  async tenantOf(key: string): Promise<{ id: string; name: string } | undefined> {
    const tenant = await this.tenants.findByApiKeyHash(hashApiKey(key));
    return tenant && { id: tenant.id, name: tenant.name };
  }
}
