import { ApiProperty } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsString, Length, Matches } from 'class-validator';

/** The objects whose values a tag can be applied to (CONTRACT §3). */
export const TAG_OBJECTS = [
  'registration_status',
  'registration_property',
  'session_registration_status',
  'event_status',
  'attendee_type',
  'event',
  'question',
] as const;

export class TagDto {
  @ApiProperty({ example: 'engaged' })
  @IsString()
  @Length(1, 100)
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'name may hold letters, digits, ".", "_" and "-"' })
  name!: string;

  @ApiProperty({ example: 'Engaged attendees' }) @IsString() @Length(1, 200) label!: string;

  @ApiProperty({ enum: TAG_OBJECTS, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(TAG_OBJECTS, { each: true })
  objects!: string[];
}

export class TagAssignmentDto {
  @ApiProperty({ enum: TAG_OBJECTS }) @IsIn(TAG_OBJECTS) object!: string;
  @ApiProperty({ example: 'Registered' }) @IsString() @Length(1, 500) value!: string;
}
