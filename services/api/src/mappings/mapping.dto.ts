import { ApiProperty } from '@nestjs/swagger';
import { IsArray, IsObject, IsOptional, IsString, Length, registerDecorator, ValidationOptions } from 'class-validator';
import { validateMapping } from '@flowline/mapping';

/** The mapping engine's own rules (CONTRACT §5), every problem listed. */
function IsMappingFields(options?: ValidationOptions) {
  return (object: object, propertyName: string): void => {
    let problems: string[] = [];
    registerDecorator({
      name: 'isMappingFields',
      target: object.constructor,
      propertyName,
      options: { message: () => problems.map((problem) => `fields: ${problem}`).join('; '), ...options },
      validator: {
        validate: (fields: unknown) => {
          problems = validateMapping({ fields });
          return problems.length === 0;
        },
      },
    });
  };
}

export class MappingDto {
  @ApiProperty({ example: 'Sequel registration' }) @IsString() @Length(1, 200) name!: string;

  @ApiProperty({
    description:
      'CONTRACT §5: { target, source | template | value | tags, transforms?, value_map?, default?, required? }',
    example: [
      { target: 'email', source: 'email' },
      { target: 'name', source: 'full_name' },
      { target: 'status', source: 'status', value_map: { Registered: 'registered' } },
      { target: 'data_source', value: 'sequel_integration' },
    ],
  })
  @IsArray()
  @IsMappingFields()
  fields!: unknown[];
}

export class PreviewDto {
  @ApiProperty({ description: 'an event as producers send it (CONTRACT §2); tenant defaults to yours' })
  @IsObject()
  event!: Record<string, unknown>;

  @ApiProperty({ required: false, description: 'for flow_name in the preview' })
  @IsOptional()
  @IsString()
  flow_name?: string;
}

export class AdHocPreviewDto extends PreviewDto {
  @ApiProperty({ type: MappingDto })
  @IsObject()
  mapping!: { fields: unknown[] };

  @ApiProperty({ required: false, description: 'a header mapping to render with it' })
  @IsOptional()
  @IsObject()
  header_mapping?: { fields: unknown[] };
}
