import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { FlowlineMetrics } from '@flowline/observability';

@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(FlowlineMetrics) private readonly metrics: FlowlineMetrics) {}

  @Get()
  @ApiProduces('text/plain')
  @ApiOkResponse({ schema: { type: 'string' }, description: 'Prometheus text exposition format' })
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
