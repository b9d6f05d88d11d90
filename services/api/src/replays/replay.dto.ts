import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { IsRfc3339Timestamp } from '@flowline/contracts';

export class ReplayDto {
  @ApiProperty({ example: '2025-01-01T00:00:00Z', description: 'start of the period (event log time), inclusive' })
  @IsRfc3339Timestamp()
  from!: string;

  @ApiProperty({ example: '2025-01-02T00:00:00Z', description: 'end of the period, exclusive' })
  @IsRfc3339Timestamp()
  to!: string;

  @ApiPropertyOptional({ description: 'replay only this event of the period' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  event_id?: string;
}
