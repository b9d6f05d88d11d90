import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { FlowDto } from './flow.dto';
import { FlowResponse, FlowsService } from './flows.service';

@ApiTags('flows')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('flows')
export class FlowsController {
  constructor(@Inject(FlowsService) private readonly flows: FlowsService) {}

  @Get()
  async list(@CurrentTenant() tenant: string): Promise<{ flows: FlowResponse[] }> {
    return { flows: await this.flows.list(tenant) };
  }

  @Post()
  @HttpCode(201)
  create(@CurrentTenant() tenant: string, @Body() body: FlowDto): Promise<FlowResponse> {
    return this.flows.create(tenant, body);
  }

  @Get(':id')
  get(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<FlowResponse> {
    return this.flows.get(tenant, id);
  }

  @Put(':id')
  replace(@CurrentTenant() tenant: string, @Param('id') id: string, @Body() body: FlowDto): Promise<FlowResponse> {
    return this.flows.replace(tenant, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<void> {
    await this.flows.remove(tenant, id);
  }
}
