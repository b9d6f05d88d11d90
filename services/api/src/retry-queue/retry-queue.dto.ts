import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, registerDecorator } from 'class-validator';
import { DecimalInteger } from '../common/validators';
import type { FailureCategory } from '@flowline/delivery';
import { decodeQueueCursor } from './queue-cursor';
import { ApiErrorDto } from '../common/openapi';
import { AttemptLogEntryDto, DELIVERY_STATUSES } from '../deliveries/deliveries.dto';
import { QUEUE_STATUSES } from './queue-status';
import type { QueueStatus } from './queue-status';

export const QUEUE_CATEGORIES = [
  'general',
  'system',
  'config',
  'connection',
  'validation',
] as const satisfies readonly FailureCategory[];

export const QUEUE_INTEGRATIONS = ['webhook', 'email'] as const;

/** A `cursor` answered as `next_cursor` by an earlier page. */
function IsQueueCursor() {
  return (object: object, propertyName: string): void => {
    registerDecorator({
      name: 'isQueueCursor',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be a next_cursor answered by GET /retry-queue` },
      validator: { validate: (value: unknown) => typeof value === 'string' && decodeQueueCursor(value) !== undefined },
    });
  };
}

/** Filters of the retry queue (docs/CONTRACT.md §8: Certain's Integration, Status and Category). */
export class RetryQueueQueryDto {
  @ApiPropertyOptional({
    enum: QUEUE_STATUSES,
    description: 'retry: retrying, held or sending; error: failed; failed: abandoned; done: succeeded',
  })
  @IsOptional()
  @IsIn(QUEUE_STATUSES)
  status?: QueueStatus;

  @ApiPropertyOptional({ enum: QUEUE_CATEGORIES })
  @IsOptional()
  @IsIn(QUEUE_CATEGORIES)
  category?: (typeof QUEUE_CATEGORIES)[number];

  @ApiPropertyOptional({ enum: QUEUE_INTEGRATIONS })
  @IsOptional()
  @IsIn(QUEUE_INTEGRATIONS)
  integration?: (typeof QUEUE_INTEGRATIONS)[number];

  @ApiPropertyOptional({ type: 'integer', default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @DecimalInteger()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'the next_cursor of the previous page', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @IsQueueCursor()
  cursor?: string;
}

/** One item of the retry queue. */
export class RetryQueueItemDto {
  @ApiProperty({ description: 'the delivery id (its webhook-id)' }) id!: string;
  @ApiProperty({ enum: QUEUE_STATUSES, description: 'the queue status; delivery_status is the delivery\u2019s own' })
  status!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) delivery_status!: string;
  @ApiProperty({ type: 'string', enum: [...QUEUE_CATEGORIES, null], nullable: true }) category!: string | null;
  @ApiProperty({ enum: QUEUE_INTEGRATIONS }) integration!: string;
  @ApiProperty() subject!: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) connection_id!: string | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) flow_id!: string | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) sequence_id!: string | null;
  @ApiProperty() event_id!: string;
  @ApiProperty() event_type!: string;
  @ApiProperty({ type: 'integer' }) attempts!: number;
  @ApiProperty({ type: 'integer' }) retry_count!: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) next_attempt_at!: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) last_status_code!: number | null;
  @ApiProperty({ type: 'string', nullable: true }) last_error!: string | null;
  @ApiProperty({ format: 'date-time', description: 'when it joined the queue' }) queued_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class RetryQueuePageDto {
  @ApiProperty({ type: RetryQueueItemDto, isArray: true, description: 'newest first' }) items!: RetryQueueItemDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'pass as cursor for the next page; null on the last' })
  next_cursor!: string | null;
}

export class RetryQueueItemWithAttemptsDto extends RetryQueueItemDto {
  @ApiProperty({ type: AttemptLogEntryDto, isArray: true, description: 'oldest first' })
  attempt_log!: AttemptLogEntryDto[];
}

export class SubmittedDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['submitted'] }) status!: 'submitted';
}

/** Why an item cannot be submitted now. */
export class SubmitConflictDto extends ApiErrorDto {
  @ApiProperty({ enum: ['held', 'sending', 'succeeded', 'no_record'] }) reason!: string;
  @ApiPropertyOptional({ description: 'held: the earlier delivery of the same subject it waits behind' })
  waits_for?: string;
}
