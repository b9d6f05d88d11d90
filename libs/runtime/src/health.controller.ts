import { Controller, Get, HttpCode, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Readiness, ReadinessResult } from './readiness';

const PROBE = {
  type: 'object',
  required: ['up', 'detail'],
  properties: { up: { type: 'boolean' }, detail: { type: 'string' } },
};
const READINESS = {
  type: 'object',
  required: ['ready', 'kafka', 'postgres'],
  properties: { ready: { type: 'boolean' }, kafka: PROBE, postgres: PROBE },
};

/** Liveness says the process runs; readiness says it can reach Kafka and PostgreSQL. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(Readiness) private readonly readiness: Readiness) {}

  @Get('live')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ schema: { type: 'object', required: ['status'], properties: { status: { enum: ['ok'] } } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOkResponse({ schema: READINESS, description: 'Kafka and PostgreSQL answer' })
  @ApiServiceUnavailableResponse({ schema: READINESS, description: 'Kafka or PostgreSQL does not answer' })
  async ready(): Promise<ReadinessResult> {
    const result = await this.readiness.check();
    if (!result.ready) throw new HttpException(result, HttpStatus.SERVICE_UNAVAILABLE);
    return result;
  }
}
