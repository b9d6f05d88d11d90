import { Controller, Get, Header, Inject } from '@nestjs/common';
import { FlowlineMetrics } from '@flowline/observability';

@Controller('metrics')
export class MetricsController {
  constructor(@Inject(FlowlineMetrics) private readonly metrics: FlowlineMetrics) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
