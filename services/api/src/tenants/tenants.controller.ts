import { Body, ConflictException, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import { TenantEntity } from '@flowline/db';
import { DATA_SOURCE } from '@flowline/runtime';
import { AdminGuard } from '../auth/admin.guard';
import { generateApiKey, hashApiKey } from '../auth/api-key';
import { ApiErrors, BODY_ERRORS } from '../common/openapi';
import { CreateTenantDto, TenantCreatedDto } from './create-tenant.dto';

@ApiTags('tenants')
@ApiBearerAuth()
@Controller('tenants')
@UseGuards(AdminGuard)
export class TenantsController {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: "Create a tenant (operator's admin token); answers its API key once" })
  @ApiCreatedResponse({ type: TenantCreatedDto })
  @ApiErrors([...BODY_ERRORS, 401, 403, 409], {
    401: { description: "missing or wrong admin token (the operator's FLOWLINE_ADMIN_TOKEN)" },
    409: { description: 'a tenant with this id exists' },
  })
  async create(@Body() body: CreateTenantDto): Promise<TenantCreatedDto> {
    const apiKey = generateApiKey();
    const repository = this.dataSource.getRepository(TenantEntity);
    const inserted = await repository
      .createQueryBuilder()
      .insert()
      .values({ id: body.id, name: body.name, apiKeyHash: hashApiKey(apiKey) })
      .orIgnore()
      .returning(['id', 'createdAt'])
      .execute();
    if ((inserted.raw as unknown[]).length === 0) throw new ConflictException(`tenant ${body.id} exists`);
    const tenant = await repository.findOneByOrFail({ id: body.id });
    return { id: tenant.id, name: tenant.name, api_key: apiKey, created_at: tenant.createdAt.toISOString() };
  }
}
