import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DATE_TIME_PATTERN } from '../common/openapi';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { IsRfc3339Timestamp } from '@flowline/contracts';

/** `to` is after `from` when both are given and valid (a bad one is reported by its own check). */
function IsAfterFrom(options?: ValidationOptions) {
  return (object: object, propertyName: string): void => {
    registerDecorator({
      name: 'isAfterFrom',
      target: object.constructor,
      propertyName,
      options: { message: 'from must be before to', ...options },
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const from = (args.object as { from?: unknown }).from;
          if (typeof value !== 'string' || typeof from !== 'string') return true;
          const [start, end] = [Date.parse(from), Date.parse(value)];
          return Number.isNaN(start) || Number.isNaN(end) || start < end;
        },
      },
    });
  };
}

/** `GET /insights` (docs/CONTRACT.md §9): the period and live/test. */
export class InsightsQueryDto {
  @ApiPropertyOptional({
    format: 'date-time',
    pattern: DATE_TIME_PATTERN,
    example: '2025-01-10T00:00:00Z',
    description: 'Start of the period (inclusive); default: 24 hours before `to`.',
  })
  @IsOptional()
  @IsRfc3339Timestamp()
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    pattern: DATE_TIME_PATTERN,
    example: '2025-01-11T00:00:00Z',
    description: 'End of the period (exclusive), after `from`; default: now.',
  })
  @IsOptional()
  @IsRfc3339Timestamp()
  @IsAfterFrom()
  to?: string;

  @ApiPropertyOptional({
    type: Boolean,
    description: '`true`: figures of live events and flows only; `false`: test ones only; absent: both.',
  })
  @IsOptional()
  // Query values are text: only `true` and `false` become booleans; anything else fails IsBoolean.
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'live must be true or false' })
  live?: boolean;
}

/** What `GET /insights` answers: the Certain metrics dashboard's figures for one tenant and period. */
export class InsightsDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the period (inclusive).' }) from!: string;
  @ApiProperty({ format: 'date-time', description: 'End of the period (exclusive).' }) to!: string;
  @ApiProperty({ type: Boolean, nullable: true, description: 'true: live only; false: test only; null: both.' })
  live!: boolean | null;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Valid events the flow-evaluator evaluated against the flows of its tenant.',
  })
  changes_processed!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Distinct subjects (registrations) among those events.' })
  unique_registrations!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Actions flows triggered: one per event and flow that took it.',
  })
  actions_triggered!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Events that triggered no action (each once).' })
  actions_not_triggered!: number;

  @ApiProperty({
    description: 'actions_not_triggered by reason: inactive, mode, source, untagged_status, activation, filter.',
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 0 },
    example: { inactive: 0, mode: 0, source: 0, untagged_status: 2, activation: 0, filter: 1 },
  })
  actions_not_triggered_by_reason!: Record<string, number>;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Flows that triggered at least one action in the period.' })
  active_flows!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Deliveries created in the period that succeeded.' })
  deliveries_succeeded!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Deliveries created in the period that failed or were abandoned.',
  })
  deliveries_failed!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Deliveries waiting now (retrying, held or being sent), whenever created.',
  })
  in_retry_queue!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Retries scheduled for deliveries created in the period.' })
  total_retried!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Deliveries created in the period abandoned after their last retry.',
  })
  retried_abandoned!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Deliveries created in the period stopped by mapping validation (never attempted).',
  })
  validation_errors!: number;
}
