import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Length } from 'class-validator';

export class ReplayDto {
  @ApiProperty({ example: '2025-01-01T00:00:00Z', description: 'start of the period (event log time), inclusive' })
  @IsISO8601({ strict: true })
  from!: string;

  @ApiProperty({ example: '2025-01-02T00:00:00Z', description: 'end of the period, exclusive' })
  @IsISO8601({ strict: true })
  to!: string;

  @ApiPropertyOptional({ description: 'replay only this event of the period' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  event_id?: string;
}
