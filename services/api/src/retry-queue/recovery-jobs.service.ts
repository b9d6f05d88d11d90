import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import {
  DeliveryStatus,
  movesFrom,
  RecoveryFilter,
  RecoveryJobRepository,
  RecoveryJobRow,
  RETRY_QUEUE_STATUSES,
} from '@flowline/db';
import { isUuid } from '../common/validators';
import { RecoveryFilterDto } from './recovery-job.dto';
import { RecoveryJobRunner } from './recovery-job-runner';
import { recoveryProgress } from './recovery-pace';

/** The most items one job takes: a wider filter is refused (narrow it with from and to). */
export const MAX_RECOVERY_ITEMS = 100_000;

export interface RecoveryJobResponse {
  id: string;
  status: string;
  filter: Record<'connection_id' | 'flow_id' | 'sequence_id' | 'status' | 'category' | 'from' | 'to', string | null>;
  matched: number;
  submitted: number;
  delivered: number;
  failed_again: number;
  skipped: number;
  progress_percent: number;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

function toResponse(row: RecoveryJobRow): RecoveryJobResponse {
  const { filter } = row;
  return {
    id: row.id,
    status: row.status,
    filter: {
      connection_id: filter.connection_id ?? null,
      flow_id: filter.flow_id ?? null,
      sequence_id: filter.sequence_id ?? null,
      status: filter.status ?? null,
      category: filter.category ?? null,
      from: filter.from ?? null,
      to: filter.to ?? null,
    },
    matched: row.matched,
    submitted: row.submitted,
    delivered: row.delivered,
    failed_again: row.failed_again,
    skipped: Math.max(0, row.position - row.submitted),
    progress_percent: recoveryProgress({ ...row, failedAgain: row.failed_again }),
    error: row.error,
    created_at: row.created_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null,
  };
}

/**
 * Bulk recovery (decision 0025): starts, shows and cancels the jobs that resubmit every retry
 * queue item a filter matches; `RecoveryJobRunner` runs them.
 */
@Injectable()
export class RecoveryJobsService {
  constructor(
    @Inject(RecoveryJobRepository) private readonly jobs: RecoveryJobRepository,
    @Inject(RecoveryJobRunner) private readonly runner: RecoveryJobRunner,
  ) {}

  /** Starts a job; 400 for a filter naming no connection, flow or sequence; 409 while one runs for the same connection. */
  async start(tenant: string, filter: RecoveryFilterDto): Promise<RecoveryJobResponse> {
    const problems: string[] = [];
    if (filter.connection_id == null && filter.flow_id == null && filter.sequence_id == null)
      problems.push('name at least one of connection_id, flow_id or sequence_id');
    if (filter.from != null && filter.to != null && !(new Date(filter.from) < new Date(filter.to)))
      problems.push('from must be before to');
    if (problems.length > 0) throw new BadRequestException(problems);
    const created = await this.jobs.create(tenant, recoveryFilter(filter), MAX_RECOVERY_ITEMS, this.runner.lease);
    if ('kind' in created) {
      if (created.kind === 'busy')
        throw new ConflictException({
          statusCode: 409,
          error: 'Conflict',
          message: `recovery job ${created.jobId} runs for the same connection: wait for it, or cancel it`,
          job_id: created.jobId,
        });
      throw new BadRequestException([
        `the filter matches ${created.matched} items, more than the ${MAX_RECOVERY_ITEMS} one job takes: narrow it with from and to`,
      ]);
    }
    this.runner.start(created);
    return toResponse(created);
  }

  async get(tenant: string, id: string): Promise<RecoveryJobResponse> {
    const job = isUuid(id) ? await this.jobs.find(tenant, id) : undefined;
    if (!job) throw new NotFoundException(`recovery job ${id} not found`);
    return toResponse(job);
  }

  async list(tenant: string): Promise<{ jobs: RecoveryJobResponse[] }> {
    return { jobs: (await this.jobs.list(tenant, 100)).map(toResponse) };
  }

  /** Hands no more items to the queue (those handed over go on); 409 once it is not running. */
  async cancel(tenant: string, id: string): Promise<RecoveryJobResponse> {
    const job = await this.get(tenant, id);
    const cancelled = await this.jobs.cancel(tenant, job.id);
    if (!cancelled) throw new ConflictException(`recovery job ${id} is ${job.status} already`);
    return toResponse(cancelled);
  }
}

/** The filter as the repository takes it: the queue status as the delivery statuses a recovery may move. */
function recoveryFilter(dto: RecoveryFilterDto): RecoveryFilter {
  const recoverable = movesFrom('recover');
  const asked: readonly DeliveryStatus[] = dto.status ? RETRY_QUEUE_STATUSES[dto.status] : recoverable;
  return {
    ...(dto.connection_id != null ? { connection_id: dto.connection_id } : {}),
    ...(dto.flow_id != null ? { flow_id: dto.flow_id } : {}),
    ...(dto.sequence_id != null ? { sequence_id: dto.sequence_id } : {}),
    ...(dto.status != null ? { status: dto.status } : {}),
    ...(dto.category != null ? { category: dto.category } : {}),
    ...(dto.from != null ? { from: new Date(dto.from).toISOString() } : {}),
    ...(dto.to != null ? { to: new Date(dto.to).toISOString() } : {}),
    statuses: asked.filter((status) => recoverable.includes(status)),
  };
}
