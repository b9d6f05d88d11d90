import { BadRequestException, HttpException, HttpStatus, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { ReplayRepository, ReplayRow } from '@flowline/db';
import { isUuid } from '../common/validators';
import { FlowsService } from '../flows/flows.service';
import { ReplayDto } from './replay.dto';
import { ReplayRunner } from './replay-runner';

/** Replays a tenant may run at once: each reads the whole event log from its start time. */
const MAX_RUNNING_REPLAYS = 2;

export type ReplayResponse = ReturnType<typeof toResponse>;

/** Starting a replay of one flow (CONTRACT §6) and reading how far it got. */
@Injectable()
export class ReplaysService {
  constructor(
    @Inject(FlowsService) private readonly flows: FlowsService,
    @Inject(ReplayRunner) private readonly runner: ReplayRunner,
    @Inject(ReplayRepository) private readonly replays: ReplayRepository,
  ) {}

  /** Records the replay under this process's lease and starts it; 429 while the tenant runs too many. */
  async start(tenant: string, flowId: string, body: ReplayDto): Promise<ReplayResponse> {
    const flow = await this.flows.find(tenant, flowId);
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

  async get(tenant: string, id: string): Promise<ReplayResponse> {
    const replay = isUuid(id) ? await this.replays.find(tenant, id) : undefined;
    if (!replay) throw new NotFoundException(`replay ${id} not found`);
    return toResponse(replay);
  }
}

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
