import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { DecimalInteger } from '../common/validators';
import { IsRfc3339Timestamp } from '@flowline/contracts';

export const DELIVERY_STATUSES = ['succeeded', 'failed', 'retrying', 'held', 'sending', 'abandoned'] as const;

/** Filters of the activity feed (CONTRACT §8). */
export class DeliveriesQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() flow?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() sequence?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 500) subject?: string;
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES }) @IsOptional() @IsIn(DELIVERY_STATUSES) status?: string;
  @ApiPropertyOptional({ example: '2025-01-01T00:00:00Z' }) @IsOptional() @IsRfc3339Timestamp() from?: string;
  @ApiPropertyOptional({ example: '2025-02-01T00:00:00Z' }) @IsOptional() @IsRfc3339Timestamp() to?: string;
  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional()
  @DecimalInteger()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
