import { Body, Controller, Get, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { DeleteObject, ObjectIdParam, ReadObject } from '../common/object-operations';
import { ApiErrors, BODY_ERRORS } from '../common/openapi';
import {
  NotificationEndpointDto,
  NotificationEndpointListDto,
  NotificationEndpointResponseDto,
} from './notification-endpoint.dto';
import { NotificationEndpointsService } from './notification-endpoints.service';

const BOTH_OR_NEITHER = 'invalid: `message` lists every problem (also: exactly one of url or emails)';

/** Where a tenant's operators are told of pauses, resumes, abandoned deliveries and finished replays (decision 0026). */
@ApiTags('notification-endpoints')
@ApiBearerAuth()
@ApiErrors([401])
@UseGuards(TenantAuthGuard)
@Controller('notification-endpoints')
export class NotificationEndpointsController {
  constructor(@Inject(NotificationEndpointsService) private readonly endpoints: NotificationEndpointsService) {}

  @Get()
  @ApiOkResponse({ type: NotificationEndpointListDto })
  list(@CurrentTenant() tenant: string) {
    return this.endpoints.list(tenant);
  }

  @Post()
  @ApiOperation({
    summary: 'Register a notification endpoint: a URL (signed with its own secret) or email addresses',
  })
  @ApiCreatedResponse({
    type: NotificationEndpointResponseDto,
    description: 'created; a signing secret Flowline made is shown here once',
  })
  @ApiErrors(BODY_ERRORS, { 400: { description: BOTH_OR_NEITHER } })
  create(@CurrentTenant() tenant: string, @Body() body: NotificationEndpointDto) {
    return this.endpoints.create(tenant, body);
  }

  @ReadObject(NotificationEndpointResponseDto)
  get(@CurrentTenant() tenant: string, @Param('id') id: string) {
    return this.endpoints.get(tenant, id);
  }

  @Put(':id')
  @ObjectIdParam()
  @ApiOkResponse({ type: NotificationEndpointResponseDto })
  @ApiErrors([...BODY_ERRORS, 404], { 400: { description: BOTH_OR_NEITHER } })
  replace(@CurrentTenant() tenant: string, @Param('id') id: string, @Body() body: NotificationEndpointDto) {
    return this.endpoints.replace(tenant, id, body);
  }

  @DeleteObject()
  async remove(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<void> {
    await this.endpoints.remove(tenant, id);
  }
}
