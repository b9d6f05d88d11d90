import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DATE_TIME, schemaOf } from '../common/openapi';
import { IsRfc3339Timestamp } from '@flowline/contracts';
import { DELIVERY_STATUSES } from '@flowline/db';
import { DecimalInteger, IsAfterFrom } from '../common/validators';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';

/** Filters of the activity feed (docs/CONTRACT.md §8). */
export class DeliveriesQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() flow?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() sequence?: string;
  @ApiPropertyOptional({ minLength: 1, maxLength: 500 }) @IsOptional() @IsString() @Length(1, 500) subject?: string;
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES }) @IsOptional() @IsIn(DELIVERY_STATUSES) status?: string;
  @ApiPropertyOptional(schemaOf({ ...DATE_TIME, description: 'created at or after' }))
  @IsOptional()
  @IsRfc3339Timestamp()
  from?: string;

  @ApiPropertyOptional(
    schemaOf({ ...DATE_TIME, example: '2025-01-11T09:00:00Z', description: 'created before; after `from`' }),
  )
  @IsOptional()
  @IsRfc3339Timestamp()
  @IsAfterFrom()
  to?: string;

  @ApiPropertyOptional({ type: 'integer', default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @DecimalInteger()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

/** One delivery in the activity feed (docs/CONTRACT.md §8). */
export class DeliveryDto {
  @ApiProperty({ description: 'also the webhook-id the receiver sees', example: 'msg_2p3Q9rTz' }) id!: string;
  @ApiProperty() subject!: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) connection_id!: string | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) flow_id!: string | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) sequence_id!: string | null;
  @ApiProperty() event_id!: string;
  @ApiProperty() event_type!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: string;
  @ApiProperty({ type: 'integer' }) attempts!: number;
  @ApiProperty({ type: 'integer', nullable: true }) last_status_code!: number | null;
  @ApiProperty({ type: 'string', nullable: true }) last_error!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) delivered_at!: string | null;
}

export class DeliveryListDto {
  @ApiProperty({ type: DeliveryDto, isArray: true, description: 'newest first' }) deliveries!: DeliveryDto[];
}

/** One attempt of a delivery: what the receiver answered, or why nothing came. */
export class AttemptLogEntryDto {
  @ApiProperty({ format: 'date-time' }) time!: string;
  @ApiProperty({ type: 'integer', nullable: true }) status_code!: number | null;
  @ApiProperty({ type: 'integer' }) latency_ms!: number;
  @ApiProperty({ type: 'string', nullable: true }) error!: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'the first KiB of the response' })
  response!: string | null;
}

export class DeliveryWithAttemptsDto extends DeliveryDto {
  @ApiProperty({ type: AttemptLogEntryDto, isArray: true, description: 'oldest first' })
  attempt_log!: AttemptLogEntryDto[];
}
