import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { DeleteObject, ObjectIdParam, ReadObject } from '../common/object-operations';
import { ApiErrors, BODY_ERRORS, QUOTA } from '../common/openapi';
import { FlowDto, FlowListDto, FlowResponseDto } from './flow.dto';
import { FlowResponse, FlowsService } from './flows.service';

@ApiTags('flows')
@ApiBearerAuth()
@ApiErrors([401])
@UseGuards(TenantAuthGuard)
@Controller('flows')
export class FlowsController {
  constructor(@Inject(FlowsService) private readonly flows: FlowsService) {}

  @Get()
  @ApiOkResponse({ type: FlowListDto })
  async list(@CurrentTenant() tenant: string): Promise<{ flows: FlowResponse[] }> {
    return { flows: await this.flows.list(tenant) };
  }

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: FlowResponseDto })
  @ApiErrors([...BODY_ERRORS, 409], {
    ...QUOTA,
    400: {
      description:
        'invalid, or referring to a connection, mapping or tag you do not have: `message` lists every problem',
    },
  })
  create(@CurrentTenant() tenant: string, @Body() body: FlowDto): Promise<FlowResponse> {
    return this.flows.create(tenant, body);
  }

  @ReadObject(FlowResponseDto)
  get(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<FlowResponse> {
    return this.flows.get(tenant, id);
  }

  @Put(':id')
  @ObjectIdParam()
  @ApiOkResponse({ type: FlowResponseDto })
  @ApiErrors([...BODY_ERRORS, 404, 409], {
    ...QUOTA,
    400: {
      description:
        'invalid, or referring to a connection, mapping or tag you do not have: `message` lists every problem',
    },
  })
  replace(@CurrentTenant() tenant: string, @Param('id') id: string, @Body() body: FlowDto): Promise<FlowResponse> {
    return this.flows.replace(tenant, id, body);
  }

  @DeleteObject()
  async remove(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<void> {
    await this.flows.remove(tenant, id);
  }
}
