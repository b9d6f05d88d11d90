import { BadRequestException, Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InsightsFigures, InsightsRepository } from '@flowline/db';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { ApiErrors } from '../common/openapi';
import { resolvePeriod } from './insights-period';
import { InsightsDto, InsightsQueryDto } from './insights.dto';

function toResponse(from: Date, to: Date, live: boolean | undefined, figures: InsightsFigures): InsightsDto {
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    live: live ?? null,
    changes_processed: figures.changesProcessed,
    unique_registrations: figures.uniqueRegistrations,
    actions_triggered: figures.actionsTriggered,
    actions_not_triggered: figures.actionsNotTriggered,
    actions_not_triggered_by_reason: figures.actionsNotTriggeredByReason,
    active_flows: figures.activeFlows,
    deliveries_succeeded: figures.deliveriesSucceeded,
    deliveries_failed: figures.deliveriesFailed,
    in_retry_queue: figures.inRetryQueue,
    total_retried: figures.totalRetried,
    retried_abandoned: figures.retriedAbandoned,
    validation_errors: figures.validationErrors,
  };
}

/** `GET /insights` (docs/CONTRACT.md §9): the Certain metrics dashboard's figures of the tenant (decision 0010). */
@ApiTags('insights')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('insights')
export class InsightsController {
  constructor(@Inject(InsightsRepository) private readonly insights: InsightsRepository) {}

  @Get()
  @ApiOperation({ summary: 'The metrics dashboard figures of a period (default: the last 24 hours)' })
  @ApiOkResponse({ type: InsightsDto })
  @ApiErrors([400, 401], { 400: { description: 'a bad period or live value: `message` lists every problem' } })
  async get(@CurrentTenant() tenant: string, @Query() query: InsightsQueryDto): Promise<InsightsDto> {
    const period = resolvePeriod(query, new Date());
    if (!period.ok) throw new BadRequestException([period.error]);
    const figures = await this.insights.figures({
      tenant,
      from: period.from,
      to: period.to,
      ...(query.live === undefined ? {} : { live: query.live }),
    });
    return toResponse(period.from, period.to, query.live, figures);
  }
}
