import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsRfc3339Timestamp } from '@flowline/contracts';
import { DATE_TIME_PATTERN, RefusesUnknownProperties } from '../common/openapi';
import { HasNoCredentials } from '../common/validators';
import { URL_SCHEMA } from '../connections/connection.dto';

/** The request body of LeadVibe's `POST /sequences` (reference 002), field for field. */
@RefusesUnknownProperties()
export class SequenceDto {
  @ApiProperty({ example: 'Buying Intent Sequence', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'string', minLength: 1, maxLength: 200 },
    minItems: 1,
    maxItems: 20,
    example: ['pricing_page_view', 'whitepaper_download', 'demo_request'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  event_types!: string[];

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 366 * 24 * 3600, example: 604800 })
  @IsInt()
  @Min(1)
  @Max(366 * 24 * 3600)
  window_seconds!: number;

  @ApiPropertyOptional({ example: '7 days', minLength: 1, maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  window_unit?: string;

  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() ordered?: boolean;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() active?: boolean;

  @ApiPropertyOptional({ ...URL_SCHEMA, example: 'https://hooks.example.com/leadvibe' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @HasNoCredentials('a sequence webhook is sent without credentials')
  webhook_url?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', format: 'email' },
    maxItems: 50,
    example: ['sales@example.com'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsEmail({}, { each: true })
  emails?: string[];

  @ApiPropertyOptional({ minLength: 1, maxLength: 300 })
  @IsOptional()
  @IsString()
  @Length(1, 300)
  email_subject?: string;
  @ApiPropertyOptional({ minLength: 1, maxLength: 300 })
  @IsOptional()
  @IsString()
  @Length(1, 300)
  email_preheader?: string;
  @ApiPropertyOptional({ minLength: 1, maxLength: 10_000 })
  @IsOptional()
  @IsString()
  @Length(1, 10_000)
  email_message?: string;
}

/** `PATCH /sequences/{id}`: any subset of the fields. */
@RefusesUnknownProperties()
export class SequencePatchDto extends PartialType(SequenceDto) {}

@RefusesUnknownProperties()
export class SimulatedEventDto {
  @ApiPropertyOptional({ example: 'evt-001', minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  id?: string;

  @ApiProperty({ example: 'pricing_page_view', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  event_type!: string;

  @ApiProperty({ format: 'date-time', pattern: DATE_TIME_PATTERN, example: '2025-01-10T09:00:00Z' })
  @IsRfc3339Timestamp()
  created_at!: string;
}

@RefusesUnknownProperties()
export class SimulateDto {
  @ApiProperty({ type: SimulatedEventDto, isArray: true, maxItems: 10_000 })
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => SimulatedEventDto)
  events!: SimulatedEventDto[];
}

/** Filters of `GET /sequence-events`: each a single value (a repeated or nested parameter is refused). */
export class SequenceEventsQueryDto {
  @ApiPropertyOptional({ description: 'only completions of this sequence', minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  sequence_id?: string;

  @ApiPropertyOptional({
    description: "only this lead's completions (the events' subject)",
    minLength: 1,
    maxLength: 500,
  })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  lead_id?: string;
}

/** A sequence trigger as LeadVibe's API answers it. */
export class SequenceResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [String] }) event_types!: string[];
  @ApiProperty({ type: 'integer' }) window_seconds!: number;
  @ApiPropertyOptional() window_unit?: string;
  @ApiProperty() ordered!: boolean;
  @ApiPropertyOptional() webhook_url?: string;
  @ApiProperty({ type: [String] }) emails!: string[];
  @ApiPropertyOptional() email_subject?: string;
  @ApiPropertyOptional() email_preheader?: string;
  @ApiPropertyOptional() email_message?: string;
  @ApiProperty() active!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class SequenceListDto {
  @ApiProperty({ type: SequenceResponseDto, isArray: true }) sequences!: SequenceResponseDto[];
}

export class MatchedEventDto {
  @ApiProperty() id!: string;
  @ApiProperty() event_type!: string;
  @ApiProperty() created_at!: string;
}

/** Would the sequence fire for these events, and with which? */
export class SimulationResultDto {
  @ApiProperty() matched!: boolean;
  @ApiProperty({ type: MatchedEventDto, isArray: true, description: 'the completing events; empty when not matched' })
  events!: MatchedEventDto[];
}

/** One lead that completed a sequence. */
export class SequenceEventDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) sequence_id!: string;
  @ApiProperty() lead_id!: string;
  @ApiProperty({ type: MatchedEventDto, isArray: true }) events!: MatchedEventDto[];
  @ApiProperty({ format: 'date-time' }) completed_at!: string;
}

export class SequenceEventListDto {
  @ApiProperty({ type: SequenceEventDto, isArray: true, description: 'newest first, at most 1000' })
  sequence_events!: SequenceEventDto[];
}
