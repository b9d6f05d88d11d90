import { ConflictException, Inject, Injectable } from '@nestjs/common';
import { TenantsRepository } from '@flowline/db';
import { generateApiKey, hashApiKey } from '../auth/api-key';
import { CreateTenantDto, TenantCreatedDto } from './create-tenant.dto';

/** Creating tenants, the operator's job: each gets an API key, answered once and stored only hashed. */
@Injectable()
export class TenantsService {
  constructor(@Inject(TenantsRepository) private readonly tenants: TenantsRepository) {}

  async create(body: CreateTenantDto): Promise<TenantCreatedDto> {
    const apiKey = generateApiKey();
    const tenant = await this.tenants.create({ id: body.id, name: body.name, apiKeyHash: hashApiKey(apiKey) });
    if (!tenant) throw new ConflictException(`tenant ${body.id} exists`);
    return { id: tenant.id, name: tenant.name, api_key: apiKey, created_at: tenant.createdAt.toISOString() };
  }
}
