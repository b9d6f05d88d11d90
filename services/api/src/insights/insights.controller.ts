import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { ReadsHistory } from '../common/tenant-concurrency';
import { ApiErrors } from '../common/openapi';
import { InsightsDto, InsightsQueryDto } from './insights.dto';
import { InsightsService } from './insights.service';

/** `GET /insights` (docs/CONTRACT.md §9): the Certain metrics dashboard's figures of the tenant (decision 0010). */
@ApiTags('insights')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('insights')
export class InsightsController {
  constructor(@Inject(InsightsService) private readonly insights: InsightsService) {}

  @Get()
  @ApiOperation({ summary: 'The metrics dashboard figures of a period (default: the last 24 hours)' })
  @ApiOkResponse({ type: InsightsDto })
  @ApiErrors([400, 401], { 400: { description: 'a bad period or live value: `message` lists every problem' } })
  @ReadsHistory()
  get(@CurrentTenant() tenant: string, @Query() query: InsightsQueryDto): Promise<InsightsDto> {
    return this.insights.figures(tenant, query, new Date());
  }
}
