import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { CreateObject, DeleteObject, ObjectIdParam, ReadObject, ReplaceObject } from '../common/object-operations';
import { ApiErrors, BODY_ERRORS, PATH_ERRORS } from '../common/openapi';
import { ConnectionDto, ConnectionListDto, ConnectionResponseDto, ConnectionTestResultDto } from './connection.dto';
import { ConnectionResponse, ConnectionsService } from './connections.service';
import { RecoverDto, RecoveryConflictDto, RecoveryJobDto } from '../retry-queue/recovery-job.dto';
import { RecoveryJobsService } from '../retry-queue/recovery-jobs.service';

@ApiTags('connections')
@ApiBearerAuth()
@ApiErrors([401])
@UseGuards(TenantAuthGuard)
@Controller('connections')
export class ConnectionsController {
  constructor(
    @Inject(ConnectionsService) private readonly connections: ConnectionsService,
    @Inject(RecoveryJobsService) private readonly recovery: RecoveryJobsService,
  ) {}

  @Get()
  @ApiOkResponse({ type: ConnectionListDto })
  async list(@CurrentTenant() tenant: string): Promise<{ connections: ConnectionResponse[] }> {
    return { connections: await this.connections.list(tenant) };
  }

  @CreateObject(ConnectionResponseDto)
  create(@CurrentTenant() tenant: string, @Body() body: ConnectionDto): Promise<ConnectionResponse> {
    return this.connections.create(tenant, body);
  }

  @ReadObject(ConnectionResponseDto)
  get(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<ConnectionResponse> {
    return this.connections.get(tenant, id);
  }

  @ReplaceObject(ConnectionResponseDto)
  replace(
    @CurrentTenant() tenant: string,
    @Param('id') id: string,
    @Body() body: ConnectionDto,
  ): Promise<ConnectionResponse> {
    return this.connections.replace(tenant, id, body);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ObjectIdParam()
  @ApiOperation({ summary: 'Save & Test: one flowline.test request, sent as the dispatcher would (auth, SSRF guard)' })
  @ApiOkResponse({ type: ConnectionTestResultDto })
  @ApiErrors(PATH_ERRORS)
  test(@CurrentTenant() tenant: string, @Param('id') id: string) {
    return this.connections.test(tenant, id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause the connection by hand: its deliveries are held until it is resumed' })
  @ObjectIdParam()
  @ApiOkResponse({
    type: ConnectionResponseDto,
    description: 'the connection, with paused: {at, reason: "paused by operator"}',
  })
  @ApiErrors([...PATH_ERRORS, 409], { 409: { description: 'the connection is paused already' } })
  pause(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<ConnectionResponse> {
    return this.connections.pause(tenant, id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Resume a paused connection (after a 410 Gone or a pause): its held deliveries go, in order',
  })
  @ObjectIdParam()
  @ApiOkResponse({ type: ConnectionResponseDto, description: 'the connection, with paused: null' })
  @ApiErrors([...PATH_ERRORS, 409], { 409: { description: 'the connection is not paused' } })
  resume(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<ConnectionResponse> {
    return this.connections.resume(tenant, id);
  }

  @Post(':id/recover')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Resubmit everything that failed (or waits for a retry) for this connection since a time',
    description: 'A recovery job, as POST /retry-queue/submit with connection_id and from starts one.',
  })
  @ObjectIdParam()
  @ApiAcceptedResponse({ type: RecoveryJobDto, description: 'started; progress at GET /retry-queue/jobs/{id}' })
  @ApiErrors([...BODY_ERRORS, 404, 409], {
    400: { description: 'invalid, or more than 100000 items matched' },
    409: { type: RecoveryConflictDto, description: 'a job runs for this connection: job_id names it' },
  })
  async recover(@CurrentTenant() tenant: string, @Param('id') id: string, @Body() body: RecoverDto) {
    const connection = await this.connections.find(tenant, id);
    return this.recovery.start(tenant, { connection_id: connection.id, from: body.since });
  }

  @DeleteObject()
  async remove(@CurrentTenant() tenant: string, @Param('id') id: string): Promise<void> {
    await this.connections.remove(tenant, id);
  }
}
