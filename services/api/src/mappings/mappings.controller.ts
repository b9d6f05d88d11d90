import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { CreateObject, DeleteObject, ObjectIdParam, ReadObject, ReplaceObject } from '../common/object-operations';
import { ApiErrors, BODY_ERRORS } from '../common/openapi';
import {
  AdHocPreviewDto,
  MappingDto,
  MappingListDto,
  MappingResponseDto,
  PreviewDto,
  PreviewResponseDto,
} from './mapping.dto';
import { MappingResponse, MappingsService, PreviewResponse } from './mappings.service';

@ApiTags('mappings')
@ApiBearerAuth()
@ApiErrors([401])
@UseGuards(TenantAuthGuard)
@Controller('mappings')
export class MappingsController {
  constructor(@Inject(MappingsService) private readonly mappings: MappingsService) {}

  @Get()
  @ApiOkResponse({ type: MappingListDto })
  async list(@CurrentTenant() tenant: string): Promise<{ mappings: MappingResponse[] }> {
    return { mappings: await this.mappings.list(tenant) };
  }

  @CreateObject(MappingResponseDto)
  create(@CurrentTenant() tenant: string, @Body() body: MappingDto): Promise<MappingResponse> {
    return this.mappings.create(tenant, body);
  }

  /** `{mapping, event}` → `{payload, headers, errors}` without saving or sending anything. */
  @Post('preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'Render a mapping (and a header mapping) for an event, without saving or sending' })
  @ApiOkResponse({ type: PreviewResponseDto })
  @ApiErrors(BODY_ERRORS)
  previewAdHoc(@CurrentTenant() tenant: string, @Body() body: AdHocPreviewDto): Promise<PreviewResponse> {
    return this.mappings.preview(tenant, body.mapping, body.header_mapping, body.event, body.flow_name);
  }

  @ReadObject(MappingResponseDto)
  get(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<MappingResponse> {
    return this.mappings.get(tenant, id);
  }

  @ReplaceObject(MappingResponseDto)
  replace(
    @CurrentTenant() tenant: string,
    @Param('id') id: string,
    @Body() body: MappingDto,
  ): Promise<MappingResponse> {
    return this.mappings.replace(tenant, id, body);
  }

  @DeleteObject()
  async remove(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<void> {
    await this.mappings.remove(tenant, id);
  }

  @Post(':id/preview')
  @HttpCode(200)
  @ObjectIdParam()
  @ApiOperation({ summary: 'Render the saved mapping for an event, without sending' })
  @ApiOkResponse({ type: PreviewResponseDto })
  @ApiErrors([...BODY_ERRORS, 404])
  async preview(
    @CurrentTenant() tenant: string,
    @Param('id') id: string,
    @Body() body: PreviewDto,
  ): Promise<PreviewResponse> {
    const mapping = await this.mappings.find(tenant, id);
    return this.mappings.preview(tenant, { fields: mapping.fields }, undefined, body.event, body.flow_name);
  }
}
