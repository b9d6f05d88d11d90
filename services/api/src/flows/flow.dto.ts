import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
import { FILTER_OPERATORS, FILTER_TARGETS, SOURCE_PRESETS } from '@flowline/matching';

export class FlowSourceDto {
  @ApiPropertyOptional({ example: ['registration.created'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  types?: string[];

  @ApiPropertyOptional({
    example: 'registration_create_update',
    description: `${[...SOURCE_PRESETS.keys()].join(', ')}, or an event type`,
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  preset?: string;
}

export class ActivateForDto {
  @ApiPropertyOptional() @IsOptional() @IsArray() @IsString({ each: true }) registration_status?: string[];
  @ApiPropertyOptional() @IsOptional() @IsArray() @IsString({ each: true }) registration_property?: string[];
  @ApiPropertyOptional() @IsOptional() @IsArray() @IsString({ each: true }) session_registration_status?: string[];
  @ApiPropertyOptional() @IsOptional() @IsArray() @IsString({ each: true }) event_status?: string[];
}

export class FlowFilterDto {
  @ApiProperty({ enum: FILTER_TARGETS }) @IsIn(FILTER_TARGETS) on!: string;
  @ApiProperty({ example: 'name' }) @IsString() @Length(1, 200) field!: string;
  @ApiProperty({ enum: FILTER_OPERATORS }) @IsIn(FILTER_OPERATORS) op!: string;
  @ApiPropertyOptional() @IsOptional() value?: unknown;
}

export class FlowDestinationDto {
  @ApiProperty() @IsUUID() connection_id!: string;
  @ApiProperty() @IsUUID() payload_mapping_id!: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() header_mapping_id?: string;
}

export class FlowDto {
  @ApiProperty({ example: 'Registrations to CRM' }) @IsString() @Length(1, 200) name!: string;
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

  @ApiPropertyOptional({ type: FlowFilterDto, isArray: true })
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
