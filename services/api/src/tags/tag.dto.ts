import { ApiProperty } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsString, Length, Matches } from 'class-validator';
import { RefusesUnknownProperties } from '../common/openapi';

/** The objects whose values a tag can be applied to (docs/CONTRACT.md §3). */
export const TAG_OBJECTS = [
  'registration_status',
  'registration_property',
  'session_registration_status',
  'event_status',
  'attendee_type',
  'event',
  'question',
] as const;

/** A tag name: also a path segment (`/tags/{name}`). */
export const TAG_NAME_PATTERN = '^[A-Za-z0-9._-]{1,100}$';

@RefusesUnknownProperties()
export class TagDto {
  @ApiProperty({ example: 'engaged', minLength: 1, maxLength: 100, pattern: TAG_NAME_PATTERN })
  @IsString()
  @Length(1, 100)
  @Matches(new RegExp(TAG_NAME_PATTERN), { message: 'name may hold letters, digits, ".", "_" and "-"' })
  name!: string;

  @ApiProperty({ example: 'Engaged attendees', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  label!: string;

  @ApiProperty({ enum: TAG_OBJECTS, isArray: true, minItems: 1, uniqueItems: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(TAG_OBJECTS, { each: true })
  objects!: string[];
}

/** A tag's assignments are replaced in one statement: at most this many in one request. */
export const MAX_TAG_ASSIGNMENTS = 1_000;

@RefusesUnknownProperties()
export class TagAssignmentDto {
  @ApiProperty({ enum: TAG_OBJECTS }) @IsIn(TAG_OBJECTS) object!: string;
  @ApiProperty({ example: 'Registered', minLength: 1, maxLength: 500 }) @IsString() @Length(1, 500) value!: string;
}

/** A tag as answers show it: its definition and the values it is assigned to. */
export class TagResponseDto {
  @ApiProperty({ example: 'engaged' }) name!: string;
  @ApiProperty({ example: 'Engaged attendees' }) label!: string;
  @ApiProperty({ enum: TAG_OBJECTS, isArray: true }) objects!: string[];
  @ApiProperty({ type: TagAssignmentDto, isArray: true }) assignments!: TagAssignmentDto[];
}

export class TagListDto {
  @ApiProperty({ type: TagResponseDto, isArray: true }) tags!: TagResponseDto[];
}
