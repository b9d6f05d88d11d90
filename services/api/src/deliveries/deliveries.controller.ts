import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { ReadsHistory } from '../common/tenant-concurrency';
import { ApiErrors, PATH_ERRORS } from '../common/openapi';
import { DeliveriesQueryDto, DeliveryListDto, DeliveryWithAttemptsDto } from './deliveries.dto';
import { DeliveriesService } from './deliveries.service';

/** The activity feed: every delivery and, by id, each of its attempts (docs/CONTRACT.md §8). */
@ApiTags('deliveries')
@ApiBearerAuth()
@ApiErrors([401])
@UseGuards(TenantAuthGuard)
@Controller('deliveries')
export class DeliveriesController {
  constructor(@Inject(DeliveriesService) private readonly deliveries: DeliveriesService) {}

  @Get()
  @ApiOkResponse({ type: DeliveryListDto })
  @ApiErrors([400])
  @ReadsHistory()
  list(@CurrentTenant() tenant: string, @Query() query: DeliveriesQueryDto) {
    return this.deliveries.list(tenant, query);
  }

  @Get(':id')
  @ApiParam({ name: 'id', description: 'the delivery id, which is its webhook-id', example: 'msg_2p3Q9rTz' })
  @ApiOkResponse({ type: DeliveryWithAttemptsDto })
  @ApiErrors(PATH_ERRORS)
  get(@CurrentTenant() tenant: string, @Param('id') id: string) {
    return this.deliveries.get(tenant, id);
  }
}
