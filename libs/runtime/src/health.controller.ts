import { Controller, Get, HttpCode, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { Readiness, ReadinessResult } from './readiness';

/** Liveness says the process runs; readiness says it can reach Kafka and PostgreSQL. */
@Controller('health')
export class HealthController {
  constructor(@Inject(Readiness) private readonly readiness: Readiness) {}

  @Get('live')
  @HttpCode(HttpStatus.OK)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(): Promise<ReadinessResult> {
    const result = await this.readiness.check();
    if (!result.ready) throw new HttpException(result, HttpStatus.SERVICE_UNAVAILABLE);
    return result;
  }
}
