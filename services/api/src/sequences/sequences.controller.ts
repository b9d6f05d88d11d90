import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { ReadsHistory } from '../common/tenant-concurrency';
import { CreateObject, DeleteObject, ObjectIdParam, ReadObject, ReplaceObject } from '../common/object-operations';
import { ApiErrors, BODY_ERRORS, QUOTA } from '../common/openapi';
import {
  SequenceDto,
  SequenceEventListDto,
  SequenceEventsQueryDto,
  SequenceListDto,
  SequencePatchDto,
  SequenceResponseDto,
  SimulateDto,
  SimulationResultDto,
} from './sequence.dto';
import { SequenceResponse, SequencesService } from './sequences.service';

@ApiTags('sequences')
@ApiBearerAuth()
@ApiErrors([401])
@UseGuards(TenantAuthGuard)
@Controller()
export class SequencesController {
  constructor(@Inject(SequencesService) private readonly sequences: SequencesService) {}

  @Get('sequences')
  @ApiOkResponse({ type: SequenceListDto })
  async list(@CurrentTenant() tenant: string): Promise<{ sequences: SequenceResponse[] }> {
    return { sequences: await this.sequences.list(tenant) };
  }

  @CreateObject(SequenceResponseDto, 'sequences')
  create(@CurrentTenant() tenant: string, @Body() body: SequenceDto): Promise<SequenceResponse> {
    return this.sequences.create(tenant, body);
  }

  @ReadObject(SequenceResponseDto, 'sequences/:id')
  get(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<SequenceResponse> {
    return this.sequences.get(tenant, id);
  }

  @ReplaceObject(SequenceResponseDto, 'sequences/:id')
  replace(
    @CurrentTenant() tenant: string,
    @Param('id') id: string,
    @Body() body: SequenceDto,
  ): Promise<SequenceResponse> {
    return this.sequences.replace(tenant, id, body);
  }

  @Patch('sequences/:id')
  @ObjectIdParam()
  @ApiBody({ type: SequencePatchDto, required: false, description: 'the fields to change; none changes nothing' })
  @ApiOkResponse({ type: SequenceResponseDto })
  @ApiErrors([...BODY_ERRORS, 404, 409], QUOTA)
  patch(
    @CurrentTenant() tenant: string,
    @Param('id') id: string,
    @Body() body: SequencePatchDto,
  ): Promise<SequenceResponse> {
    return this.sequences.patch(tenant, id, body);
  }

  @DeleteObject('sequences/:id')
  async remove(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<void> {
    await this.sequences.remove(tenant, id);
  }

  @Post('sequences/:id/simulate')
  @HttpCode(200)
  @ObjectIdParam()
  @ApiOperation({ summary: "Run the service's own matcher over the given events" })
  @ApiOkResponse({ type: SimulationResultDto })
  @ApiErrors([...BODY_ERRORS, 404])
  simulate(@CurrentTenant() tenant: string, @Param('id') id: string, @Body() body: SimulateDto) {
    return this.sequences.simulate(tenant, id, body);
  }

  /** Completed sequences, newest first. */
  @Get('sequence-events')
  @ApiOkResponse({ type: SequenceEventListDto })
  @ApiErrors([400])
  @ReadsHistory()
  async completed(@CurrentTenant() tenant: string, @Query() query: SequenceEventsQueryDto) {
    return { sequence_events: await this.sequences.completed(tenant, query.sequence_id, query.lead_id) };
  }
}
