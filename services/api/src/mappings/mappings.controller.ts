import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { AdHocPreviewDto, MappingDto, PreviewDto } from './mapping.dto';
import { MappingResponse, MappingsService, PreviewResponse } from './mappings.service';

@ApiTags('mappings')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('mappings')
export class MappingsController {
  constructor(@Inject(MappingsService) private readonly mappings: MappingsService) {}

  @Get()
  async list(@CurrentTenant() tenant: string): Promise<{ mappings: MappingResponse[] }> {
    return { mappings: await this.mappings.list(tenant) };
  }

  @Post()
  @HttpCode(201)
  create(@CurrentTenant() tenant: string, @Body() body: MappingDto): Promise<MappingResponse> {
    return this.mappings.create(tenant, body);
  }

  /** `{mapping, event}` → `{payload, headers, errors}` without saving or sending anything. */
  @Post('preview')
  @HttpCode(200)
  previewAdHoc(@CurrentTenant() tenant: string, @Body() body: AdHocPreviewDto): Promise<PreviewResponse> {
    return this.mappings.preview(tenant, body.mapping, body.header_mapping, body.event, body.flow_name);
  }

  @Get(':id')
  get(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<MappingResponse> {
    return this.mappings.get(tenant, id);
  }

  @Put(':id')
  replace(
    @CurrentTenant() tenant: string,
    @Param('id') id: string,
    @Body() body: MappingDto,
  ): Promise<MappingResponse> {
    return this.mappings.replace(tenant, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<void> {
    await this.mappings.remove(tenant, id);
  }

  @Post(':id/preview')
  @HttpCode(200)
  async preview(
    @CurrentTenant() tenant: string,
    @Param('id') id: string,
    @Body() body: PreviewDto,
  ): Promise<PreviewResponse> {
    const mapping = await this.mappings.find(tenant, id);
    return this.mappings.preview(tenant, { fields: mapping.fields }, undefined, body.event, body.flow_name);
  }
}
