import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  ValidateNested,
} from 'class-validator';
import {
  FILTER_OPERATORS,
  FILTER_TARGETS,
  MAX_FILTER_OPTIONS,
  MAX_FILTER_TEXT,
  SOURCE_PRESETS,
} from '@flowline/matching';
import { RefusesUnknownProperties } from '../common/openapi';
import { IsFilterValue } from '../common/validators';

@RefusesUnknownProperties()
export class FlowSourceDto {
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string' },
    maxItems: 50,
    example: ['registration.created'],
    description: 'event types; give either types or preset',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  types?: string[];

  @ApiPropertyOptional({
    example: 'registration_create_update',
    description: `${[...SOURCE_PRESETS.keys()].join(', ')}, or an event type`,
    minLength: 1,
    maxLength: 200,
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  preset?: string;
}

const TAG_NAMES: ApiPropertyOptions = { type: [String], description: 'names of this tenant\u2019s tags' };

@RefusesUnknownProperties()
export class ActivateForDto {
  @ApiPropertyOptional(TAG_NAMES) @IsOptional() @IsArray() @IsString({ each: true }) registration_status?: string[];
  @ApiPropertyOptional(TAG_NAMES) @IsOptional() @IsArray() @IsString({ each: true }) registration_property?: string[];
  @ApiPropertyOptional(TAG_NAMES)
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  session_registration_status?: string[];
  @ApiPropertyOptional(TAG_NAMES) @IsOptional() @IsArray() @IsString({ each: true }) event_status?: string[];
}

@RefusesUnknownProperties()
export class FlowFilterDto {
  @ApiProperty({ enum: FILTER_TARGETS }) @IsIn(FILTER_TARGETS) on!: string;
  @ApiProperty({ example: 'name', minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) field!: string;
  @ApiProperty({ enum: FILTER_OPERATORS }) @IsIn(FILTER_OPERATORS) op!: string;
  @ApiPropertyOptional({
    description: `what the field is compared with: a text (at most ${MAX_FILTER_TEXT} characters), number or boolean, or for in and nin a list of at most ${MAX_FILTER_OPTIONS} of them`,
  })
  @IsOptional()
  @IsFilterValue()
  value?: unknown;
}

@RefusesUnknownProperties()
export class FlowDestinationDto {
  @ApiProperty({ format: 'uuid', description: 'one of your connections' }) @IsUUID() connection_id!: string;
  @ApiProperty({ format: 'uuid', description: 'one of your mappings' }) @IsUUID() payload_mapping_id!: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'one of your mappings' })
  @IsOptional()
  @IsUUID()
  header_mapping_id?: string;
}

@RefusesUnknownProperties()
export class FlowDto {
  @ApiProperty({ example: 'Registrations to CRM', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;
  @ApiPropertyOptional({ default: true, description: 'live flows take real events, test flows test events' })
  @IsOptional()
  @IsBoolean()
  live?: boolean;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() active?: boolean;

  @ApiPropertyOptional({ type: FlowSourceDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => FlowSourceDto)
  source?: FlowSourceDto;

  @ApiPropertyOptional({ type: ActivateForDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ActivateForDto)
  activate_for?: ActivateForDto;

  @ApiPropertyOptional({ type: FlowFilterDto, isArray: true, maxItems: 50 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => FlowFilterDto)
  filters?: FlowFilterDto[];

  @ApiPropertyOptional({ type: FlowDestinationDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => FlowDestinationDto)
  destination?: FlowDestinationDto;
}

/** A flow as answers show it, with what it still needs to run. */
export class FlowResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() live!: boolean;
  @ApiProperty() active!: boolean;
  @ApiProperty({ type: FlowSourceDto }) source!: FlowSourceDto;
  @ApiProperty({ type: ActivateForDto }) activate_for!: ActivateForDto;
  @ApiProperty({ type: FlowFilterDto, isArray: true }) filters!: FlowFilterDto[];
  @ApiProperty({ type: FlowDestinationDto, nullable: true }) destination!: FlowDestinationDto | null;
  @ApiProperty({ description: 'only active, complete flows run (docs/CONTRACT.md §6)' }) complete!: boolean;
  @ApiProperty({ type: [String], description: 'what the flow still needs to be complete' }) missing!: string[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class FlowListDto {
  @ApiProperty({ type: FlowResponseDto, isArray: true }) flows!: FlowResponseDto[];
}
