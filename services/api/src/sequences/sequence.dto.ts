import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { HasNoCredentials } from '../common/validators';

/** The request body of LeadVibe's `POST /sequences` (reference 002), field for field. */
export class SequenceDto {
  @ApiProperty({ example: 'Buying Intent Sequence' }) @IsString() @Length(1, 200) name!: string;

  @ApiProperty({ example: ['pricing_page_view', 'whitepaper_download', 'demo_request'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  event_types!: string[];

  @ApiProperty({ example: 604800 }) @IsInt() @Min(1) @Max(366 * 24 * 3600) window_seconds!: number;
  @ApiPropertyOptional({ example: '7 days' }) @IsOptional() @IsString() @Length(1, 100) window_unit?: string;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() ordered?: boolean;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() active?: boolean;

  @ApiPropertyOptional({ example: 'https://hooks.example.com/leadvibe' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @HasNoCredentials('a sequence webhook is sent without credentials')
  webhook_url?: string;

  @ApiPropertyOptional({ example: ['sales@example.com'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsEmail({}, { each: true })
  emails?: string[];

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 300) email_subject?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 300) email_preheader?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 10_000) email_message?: string;
}

/** `PATCH /sequences/{id}`: any subset of the fields. */
export class SequencePatchDto extends PartialType(SequenceDto) {}

export class SimulatedEventDto {
  @ApiPropertyOptional({ example: 'evt-001' }) @IsOptional() @IsString() @Length(1, 200) id?: string;
  @ApiProperty({ example: 'pricing_page_view' }) @IsString() @Length(1, 200) event_type!: string;
  @ApiProperty({ example: '2025-01-10T09:00:00Z' }) @IsISO8601({ strict: true }) created_at!: string;
}

export class SimulateDto {
  @ApiProperty({ type: SimulatedEventDto, isArray: true })
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => SimulatedEventDto)
  events!: SimulatedEventDto[];
}
