import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  HttpException,
  HttpStatus,
  Inject,
  NotFoundException,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import { ReplayRepository, ReplayRow } from '@flowline/db';
import { DATA_SOURCE } from '@flowline/runtime';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { isUuid } from '../common/validators';
import { FlowsService } from '../flows/flows.service';
import { ApiErrors, BODY_ERRORS, PATH_ERRORS } from '../common/openapi';
import { ReplayDto, ReplayStatusDto } from './replay.dto';
import { ReplayRunner } from './replay-runner';

function toResponse(row: ReplayRow) {
  return {
    id: row.id,
    flow_id: row.flow_id,
    from: row.from_time.toISOString(),
    to: row.to_time.toISOString(),
    event_id: row.event_id,
    status: row.status,
    events_read: row.events_read,
    actions_produced: row.actions_produced,
    error: row.error,
    created_at: row.created_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null,
  };
}

/** Replays a tenant may run at once: each reads the whole event log from its start time. */
const MAX_RUNNING_REPLAYS = 2;

/** `POST /flows/{id}/replay` and `GET /replays/{id}` (docs/CONTRACT.md §6). */
@ApiTags('flows')
@ApiBearerAuth()
@ApiErrors([401])
@UseGuards(TenantAuthGuard)
@Controller()
export class ReplaysController {
  private readonly replays: ReplayRepository;

  constructor(
    @Inject(FlowsService) private readonly flows: FlowsService,
    @Inject(ReplayRunner) private readonly runner: ReplayRunner,
    @Inject(DATA_SOURCE) dataSource: DataSource,
  ) {
    this.replays = new ReplayRepository(dataSource);
  }

  @Post('flows/:id/replay')
  @HttpCode(202)
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: 'Re-run the flow over the events the event log received in [from, to)' })
  @ApiAcceptedResponse({ type: ReplayStatusDto, description: 'started; progress at GET /replays/{id}' })
  @ApiErrors([...BODY_ERRORS, 404, 429], {
    400: { description: 'invalid, or from not before to: `message` lists every problem' },
    429: { description: 'two replays of this tenant run already: try again when one is done' },
  })
  async replay(@CurrentTenant() tenant: string, @Param('id') id: string, @Body() body: ReplayDto) {
    const flow = await this.flows.find(tenant, id);
    const from = new Date(body.from);
    const to = new Date(body.to);
    if (!(from < to)) throw new BadRequestException(['from must be before to']);
    const replay = await this.replays.create(
      tenant,
      flow.id,
      from,
      to,
      body.event_id,
      MAX_RUNNING_REPLAYS,
      this.runner.lease,
    );
    if (!replay)
      throw new HttpException(
        `at most ${MAX_RUNNING_REPLAYS} replays run at once per tenant: try again when one is done (GET /replays/{id})`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    this.runner.start(replay, flow);
    return toResponse(replay);
  }

  @Get('replays/:id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ReplayStatusDto })
  @ApiErrors(PATH_ERRORS)
  async get(@CurrentTenant() tenant: string, @Param('id') id: string) {
    const replay = isUuid(id) ? await this.replays.find(tenant, id) : undefined;
    if (!replay) throw new NotFoundException(`replay ${id} not found`);
    return toResponse(replay);
  }
}
