import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../auth/admin.guard';
import { ApiErrors, BODY_ERRORS } from '../common/openapi';
import { CreateTenantDto, TenantCreatedDto } from './create-tenant.dto';
import { TenantsService } from './tenants.service';

@ApiTags('tenants')
@ApiBearerAuth()
@Controller('tenants')
@UseGuards(AdminGuard)
export class TenantsController {
  constructor(@Inject(TenantsService) private readonly tenants: TenantsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: "Create a tenant (operator's admin token); answers its API key once" })
  @ApiCreatedResponse({ type: TenantCreatedDto })
  @ApiErrors([...BODY_ERRORS, 401, 403, 409], {
    401: { description: "missing or wrong admin token (the operator's FLOWLINE_ADMIN_TOKEN)" },
    409: { description: 'a tenant with this id exists' },
  })
  create(@Body() body: CreateTenantDto): Promise<TenantCreatedDto> {
    return this.tenants.create(body);
  }
}
