import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { ApiErrors, BODY_ERRORS, PATH_ERRORS } from '../common/openapi';
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

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: MappingResponseDto })
  @ApiErrors(BODY_ERRORS)
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

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: MappingResponseDto })
  @ApiErrors(PATH_ERRORS)
  get(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<MappingResponse> {
    return this.mappings.get(tenant, id);
  }

  @Put(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: MappingResponseDto })
  @ApiErrors([...BODY_ERRORS, 404])
  replace(
    @CurrentTenant() tenant: string,
    @Param('id') id: string,
    @Body() body: MappingDto,
  ): Promise<MappingResponse> {
    return this.mappings.replace(tenant, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiErrors(PATH_ERRORS)
  async remove(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<void> {
    await this.mappings.remove(tenant, id);
  }

  @Post(':id/preview')
  @HttpCode(200)
  @ApiParam({ name: 'id', format: 'uuid' })
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
