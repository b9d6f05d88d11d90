import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DATE_TIME_PATTERN, RefusesUnknownProperties } from '../common/openapi';
import { IsRfc3339Timestamp } from '@flowline/contracts';
import { IsOptional, IsString, Length } from 'class-validator';

@RefusesUnknownProperties()
export class ReplayDto {
  @ApiProperty({
    format: 'date-time',
    pattern: DATE_TIME_PATTERN,
    example: '2025-01-01T00:00:00Z',
    description: 'start of the period (event log time), inclusive',
  })
  @IsRfc3339Timestamp()
  from!: string;

  @ApiProperty({
    format: 'date-time',
    pattern: DATE_TIME_PATTERN,
    example: '2025-01-02T00:00:00Z',
    description: 'end of the period, exclusive; after from',
  })
  @IsRfc3339Timestamp()
  to!: string;

  @ApiPropertyOptional({ description: 'replay only this event of the period', minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  event_id?: string;
}

/** A replay and its progress. */
export class ReplayStatusDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) flow_id!: string;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: 'string', nullable: true }) event_id!: string | null;
  @ApiProperty({ enum: ['running', 'done', 'failed'] }) status!: string;
  @ApiProperty({ type: 'integer' }) events_read!: number;
  @ApiProperty({ type: 'integer' }) actions_produced!: number;
  @ApiProperty({ type: 'string', nullable: true }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) finished_at!: string | null;
}
