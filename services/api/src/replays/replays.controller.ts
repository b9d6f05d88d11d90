import { Body, Controller, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { ObjectIdParam, ReadObject } from '../common/object-operations';
import { ApiErrors, BODY_ERRORS } from '../common/openapi';
import { ReplayDto, ReplayStatusDto } from './replay.dto';
import { ReplayResponse, ReplaysService } from './replays.service';

/** `POST /flows/{id}/replay` and `GET /replays/{id}` (docs/CONTRACT.md §6). */
@ApiTags('flows')
@ApiBearerAuth()
@ApiErrors([401])
@UseGuards(TenantAuthGuard)
@Controller()
export class ReplaysController {
  constructor(@Inject(ReplaysService) private readonly replays: ReplaysService) {}

  @Post('flows/:id/replay')
  @HttpCode(202)
  @ObjectIdParam()
  @ApiOperation({ summary: 'Re-run the flow over the events the event log received in [from, to)' })
  @ApiAcceptedResponse({ type: ReplayStatusDto, description: 'started; progress at GET /replays/{id}' })
  @ApiErrors([...BODY_ERRORS, 404, 429], {
    400: { description: 'invalid, or from not before to: `message` lists every problem' },
    429: { description: 'two replays of this tenant run already: try again when one is done' },
  })
  replay(@CurrentTenant() tenant: string, @Param('id') id: string, @Body() body: ReplayDto): Promise<ReplayResponse> {
    return this.replays.start(tenant, id, body);
  }

  @ReadObject(ReplayStatusDto, 'replays/:id')
  get(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<ReplayResponse> {
    return this.replays.get(tenant, id);
  }
}
