import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { InsightsFigures, InsightsRepository } from '@flowline/db';
import { resolvePeriod } from './insights-period';
import { InsightsDto, InsightsQueryDto } from './insights.dto';

/** The Certain metrics dashboard's figures of one tenant over a period (decision 0010). */
@Injectable()
export class InsightsService {
  constructor(@Inject(InsightsRepository) private readonly insights: InsightsRepository) {}

  async figures(tenant: string, query: InsightsQueryDto, now: Date): Promise<InsightsDto> {
    const period = resolvePeriod(query, now);
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
