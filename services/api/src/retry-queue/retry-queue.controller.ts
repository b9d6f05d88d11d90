import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpException,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { TenantAuthGuard } from '../auth/tenant-auth.guard';
import { ReadsHistory } from '../common/tenant-concurrency';
import { assertUnreachable } from '../common/assert-unreachable';
import { RetryQueueError, RetryQueueErrorCode } from './retry-queue-error';
import { ObjectIdParam } from '../common/object-operations';
import { ApiErrors, BODY_ERRORS, PATH_ERRORS } from '../common/openapi';
import { RecoveryConflictDto, RecoveryFilterDto, RecoveryJobDto, RecoveryJobListDto } from './recovery-job.dto';
import { RecoveryJobsService } from './recovery-jobs.service';
import {
  RetryQueueItemWithAttemptsDto,
  RetryQueuePageDto,
  RetryQueueQueryDto,
  SubmitConflictDto,
  SubmittedDto,
} from './retry-queue.dto';
import { RetryQueueService } from './retry-queue.service';
import { SubmitToRetryQueue } from './submit-to-retry-queue';

/** Each refusal as HTTP: 404 for an unknown item, 409 naming the reason for one that cannot go now. */
function toHttp(error: RetryQueueError): HttpException {
  switch (error.code) {
    case RetryQueueErrorCode.NotFound:
      return new NotFoundException(error.message);
    case RetryQueueErrorCode.Held:
    case RetryQueueErrorCode.Sending:
    case RetryQueueErrorCode.Succeeded:
    case RetryQueueErrorCode.NoRecord:
      return new ConflictException({
        statusCode: 409,
        error: 'Conflict',
        message: error.message,
        reason: error.code,
        ...(error.waitsFor ? { waits_for: error.waitsFor } : {}),
      });
    default:
      return assertUnreachable(error.code);
  }
}

async function answer<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw error instanceof RetryQueueError ? toHttp(error) : error;
  }
}

/** The Retry Queue (docs/CONTRACT.md §8): what waits for a retry or failed, and "Submit to Retry Queue". */
@ApiTags('retry-queue')
@ApiBearerAuth()
@ApiErrors([401])
@UseGuards(TenantAuthGuard)
@Controller('retry-queue')
export class RetryQueueController {
  constructor(
    @Inject(RetryQueueService) private readonly queue: RetryQueueService,
    @Inject(SubmitToRetryQueue) private readonly submitToQueue: SubmitToRetryQueue,
    @Inject(RecoveryJobsService) private readonly recovery: RecoveryJobsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Deliveries that joined the retry queue, newest first; `next_cursor` pages on' })
  @ApiOkResponse({ type: RetryQueuePageDto })
  @ApiErrors([400], { 400: { description: 'every problem with the filters' } })
  @ReadsHistory()
  list(@CurrentTenant() tenant: string, @Query() query: RetryQueueQueryDto) {
    return this.queue.list(tenant, query);
  }

  @Post('submit')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Bulk recovery: a background job resubmits every item the filter matches',
    description:
      'Matches the retry queue items (waiting for a retry, failed or abandoned, record kept) of a connection, ' +
      'flow or sequence, optionally by status, category and when they last failed, and resubmits them in ' +
      "each subject's order at the connection's rate_limit_per_s. Progress at GET /retry-queue/jobs/{id}. " +
      'One job at a time per connection.',
  })
  @ApiAcceptedResponse({ type: RecoveryJobDto, description: 'started; progress at GET /retry-queue/jobs/{id}' })
  @ApiErrors([...BODY_ERRORS, 409], {
    400: {
      description:
        'invalid, no connection_id, flow_id or sequence_id, from not before to, or more than 100000 items matched',
    },
    409: { type: RecoveryConflictDto, description: 'a job runs for the same connection: job_id names it' },
  })
  submitMatching(@CurrentTenant() tenant: string, @Body() filter: RecoveryFilterDto) {
    return this.recovery.start(tenant, filter);
  }

  @Get('jobs')
  @ApiOperation({ summary: 'The latest 100 recovery jobs, newest first' })
  @ApiOkResponse({ type: RecoveryJobListDto })
  listJobs(@CurrentTenant() tenant: string) {
    return this.recovery.list(tenant);
  }

  @Get('jobs/:id')
  @ApiOperation({ summary: 'A recovery job and its progress' })
  @ObjectIdParam()
  @ApiOkResponse({ type: RecoveryJobDto })
  @ApiErrors(PATH_ERRORS)
  getJob(@CurrentTenant() tenant: string, @Param('id') id: string) {
    return this.recovery.get(tenant, id);
  }

  @Delete('jobs/:id')
  @ApiOperation({ summary: 'Cancel a recovery job: it resubmits nothing more (what it handed over goes on)' })
  @ObjectIdParam()
  @ApiOkResponse({ type: RecoveryJobDto, description: 'the job, cancelled' })
  @ApiErrors([...PATH_ERRORS, 409], { 409: { description: 'the job is not running' } })
  deleteJob(@CurrentTenant() tenant: string, @Param('id') id: string) {
    return this.recovery.cancel(tenant, id);
  }

  @Post('jobs/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a recovery job (as DELETE does)' })
  @ObjectIdParam()
  @ApiOkResponse({ type: RecoveryJobDto, description: 'the job, cancelled' })
  @ApiErrors([...PATH_ERRORS, 409], { 409: { description: 'the job is not running' } })
  cancelJob(@CurrentTenant() tenant: string, @Param('id') id: string) {
    return this.recovery.cancel(tenant, id);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One retry queue item with every attempt' })
  @ApiParam({ name: 'id', description: 'the delivery id (its webhook-id)' })
  @ApiOkResponse({ type: RetryQueueItemWithAttemptsDto })
  @ApiErrors(PATH_ERRORS, { 404: { description: 'no such item for this tenant' } })
  get(@CurrentTenant() tenant: string, @Param('id') id: string) {
    return answer(this.queue.get(tenant, id));
  }

  @Post(':id/submit')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Submit to Retry Queue: the item goes to the front of the queue for an immediate attempt',
    description:
      'For an item waiting for a retry (retrying), failed or abandoned whose delivery record is kept. ' +
      'Its record is produced again, unchanged, to the deliveries topic; the dispatcher attempts it at once.',
  })
  @ApiParam({ name: 'id', description: 'the delivery id (its webhook-id)' })
  @ApiAcceptedResponse({ type: SubmittedDto })
  @ApiErrors([...PATH_ERRORS, 409], {
    404: { description: 'no such item for this tenant' },
    409: {
      type: SubmitConflictDto,
      description:
        'held (waits_for names the earlier delivery, or its connection is paused), ' +
        'sending, succeeded, or no_record (a validation error: fix the mapping and replay the flow)',
    },
  })
  submit(@CurrentTenant() tenant: string, @Param('id') id: string) {
    return answer(this.submitToQueue.execute(tenant, id));
  }
}
