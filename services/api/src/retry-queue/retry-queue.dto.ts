import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, registerDecorator } from 'class-validator';
import { DecimalInteger } from '../common/validators';
import type { FailureCategory } from '@flowline/delivery';
import { decodeQueueCursor } from './queue-cursor';
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

/** Filters of the retry queue (CONTRACT §8: Certain's Integration, Status and Category). */
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

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional()
  @DecimalInteger()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'the next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @IsQueueCursor()
  cursor?: string;
}
