import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsRfc3339Timestamp } from '@flowline/contracts';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { ApiErrorDto, DATE_TIME_PATTERN, RefusesUnknownProperties } from '../common/openapi';
import { QUEUE_CATEGORIES } from './retry-queue.dto';

/** The queue statuses a recovery job resubmits: waiting for a retry, failed, abandoned. */
export const RECOVERABLE_QUEUE_STATUSES = ['retry', 'error', 'failed'] as const;
export type RecoverableQueueStatus = (typeof RECOVERABLE_QUEUE_STATUSES)[number];

export const RECOVERY_JOB_STATUSES = ['running', 'done', 'cancelled', 'failed'] as const;

const DATE_TIME_OPTIONS = { format: 'date-time', pattern: DATE_TIME_PATTERN, example: '2025-01-10T09:00:00Z' };

/** Which retry queue items to resubmit: at least one of connection_id, flow_id, sequence_id. */
@RefusesUnknownProperties()
export class RecoveryFilterDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'items of deliveries to this connection' })
  @IsOptional()
  @IsUUID()
  connection_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'items of deliveries of this flow' })
  @IsOptional()
  @IsUUID()
  flow_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'items of deliveries of this sequence trigger' })
  @IsOptional()
  @IsUUID()
  sequence_id?: string;

  @ApiPropertyOptional({
    enum: RECOVERABLE_QUEUE_STATUSES,
    description: 'retry: waiting for a retry; error: failed; failed: abandoned; all three when absent',
  })
  @IsOptional()
  @IsIn(RECOVERABLE_QUEUE_STATUSES)
  status?: RecoverableQueueStatus;

  @ApiPropertyOptional({ enum: QUEUE_CATEGORIES })
  @IsOptional()
  @IsIn(QUEUE_CATEGORIES)
  category?: (typeof QUEUE_CATEGORIES)[number];

  @ApiPropertyOptional({ ...DATE_TIME_OPTIONS, description: 'items that last failed at or after this time' })
  @IsOptional()
  @IsRfc3339Timestamp()
  from?: string;

  @ApiPropertyOptional({ ...DATE_TIME_OPTIONS, description: 'items that last failed before this time; after from' })
  @IsOptional()
  @IsRfc3339Timestamp()
  to?: string;
}

/** `POST /connections/{id}/recover`: everything that failed for the connection since a time. */
@RefusesUnknownProperties()
export class RecoverDto {
  @ApiProperty({ ...DATE_TIME_OPTIONS, description: 'resubmit what failed (or waits for a retry) since this time' })
  @IsRfc3339Timestamp()
  since!: string;
}

/** The filter a job runs with, as given. */
export class RecoveryJobFilterDto {
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) connection_id!: string | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) flow_id!: string | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) sequence_id!: string | null;
  @ApiProperty({ type: 'string', enum: [...RECOVERABLE_QUEUE_STATUSES, null], nullable: true }) status!: string | null;
  @ApiProperty({ type: 'string', enum: [...QUEUE_CATEGORIES, null], nullable: true }) category!: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) from!: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) to!: string | null;
}

/** A recovery job and its progress. */
export class RecoveryJobDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: RECOVERY_JOB_STATUSES }) status!: string;
  @ApiProperty({ type: RecoveryJobFilterDto }) filter!: RecoveryJobFilterDto;
  @ApiProperty({ type: 'integer', description: 'items the filter matched when the job started' }) matched!: number;
  @ApiProperty({ type: 'integer', description: 'items handed to the queue' }) submitted!: number;
  @ApiProperty({ type: 'integer', description: 'of those, delivered' }) delivered!: number;
  @ApiProperty({ type: 'integer', description: 'of those, failed or abandoned again' }) failed_again!: number;
  @ApiProperty({
    type: 'integer',
    description: 'matched items that had moved on (delivered, held or being sent) by their turn',
  })
  skipped!: number;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 100, description: 'matched items settled, in percent' })
  progress_percent!: number;
  @ApiProperty({ type: 'string', nullable: true }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) finished_at!: string | null;
}

export class RecoveryJobListDto {
  @ApiProperty({ type: RecoveryJobDto, isArray: true, description: 'the latest 100, newest first' })
  jobs!: RecoveryJobDto[];
}

/** Another job of the tenant already runs for one of the same connections. */
export class RecoveryConflictDto extends ApiErrorDto {
  @ApiProperty({ format: 'uuid', description: 'the running job' }) job_id!: string;
}
