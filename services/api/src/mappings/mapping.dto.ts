import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import { IsArray, IsObject, IsOptional, IsString, Length, registerDecorator, ValidationOptions } from 'class-validator';
import { ENVELOPE_FIELDS, QUESTION_PREFIX, TRANSFORM_SPELLINGS, validateMapping } from '@flowline/mapping';
import { EVENT_SCHEMA } from '../common/event-schema';
import { RefusesUnknownProperties, schemaOf } from '../common/openapi';

/** The mapping engine's own rules (docs/CONTRACT.md §5), every problem listed. */
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

const escape = (text: string): string => text.replace(/[$^.*+?()[\]{}|\\]/g, '\\$&');

/**
 * `sourceProblem` as a pattern: an envelope field, `question:` and a name, or a dotted path whose
 * segments are not empty (`a[0]` is `a.0`, so no segment may start with `[0]`).
 */
const SOURCE_PATTERN =
  `^(?:${ENVELOPE_FIELDS.map(escape).join('|')}` +
  `|${escape(QUESTION_PREFIX)}[^\\u0000]*\\S[^\\u0000]*` +
  `|(?!\\$)(?!${escape(QUESTION_PREFIX)})(?=[^\\u0000]*\\S)(?!\\[\\d+\\])[^.\\u0000]+(?:\\.(?!\\[\\d+\\])[^.\\u0000]+)*)$`;

/** `transformNamed`: a spelling in any case, with spaces, `_` or `-` anywhere. */
const TRANSFORM_PATTERN = `^[\\s_-]*(?:${TRANSFORM_SPELLINGS.map((spelling) =>
  [...spelling].map((letter) => `[${letter}${letter.toUpperCase()}]`).join('[\\s_-]*'),
).join('|')})[\\s_-]*$`;

const SOURCE: SchemaObject = { type: 'string', pattern: SOURCE_PATTERN };

const TAGS: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    prefix: { type: 'string' },
    from: { type: 'array', items: SOURCE },
    values: { type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] } },
    max_length: { type: 'integer', minimum: 1 },
  },
  anyOf: [
    { required: ['from'], properties: { from: { minItems: 1 } } },
    { required: ['values'], properties: { values: { minItems: 1 } } },
  ],
  description: 'managed tags: each `from` source and static value slugified, prefixed and truncated',
};

/** One field of a mapping: `target` and exactly one of `source`, `template`, `value`, `tags`. */
function fieldSchema(target: SchemaObject): SchemaObject {
  const shaping: Record<string, SchemaObject> = {
    target,
    transforms: { type: 'array', items: { type: 'string', pattern: TRANSFORM_PATTERN }, example: ['lower'] },
    value_map: { type: 'object', additionalProperties: true, example: { Registered: 'registered' } },
    default: { description: 'when the source is missing (undefined or null)' },
    required: { type: 'boolean' },
  };
  const kind = (name: string, schema: SchemaObject): SchemaObject => ({
    type: 'object',
    required: ['target', name],
    additionalProperties: false,
    properties: { ...shaping, [name]: schema },
  });
  return {
    oneOf: [
      kind('source', { ...SOURCE, description: 'a path into data, $id $type..., a named field, question:<tag>' }),
      kind('template', { type: 'string', description: 'text with {{source}} placeholders' }),
      kind('value', { description: 'a static value (null included)' }),
      kind('tags', TAGS),
    ],
  };
}

/** A payload mapping's fields: dotted targets nest. */
const PAYLOAD_FIELDS: SchemaObject = {
  type: 'array',
  items: fieldSchema({ type: 'string', pattern: '^[^.\\u0000]+(?:\\.[^.\\u0000]+)*$', example: 'contact.first_name' }),
  description:
    'docs/CONTRACT.md §5; each target once, and no target inside another (`a` and `a.b`): 400 lists every problem',
  example: [
    { target: 'email', source: 'email' },
    { target: 'name', source: 'full_name' },
    { target: 'status', source: 'status', value_map: { Registered: 'registered' } },
    { target: 'data_source', value: 'sequel_integration' },
  ],
};

/** A header mapping's fields: each target a header name, once in any letter case. */
const HEADER_FIELDS: SchemaObject = {
  ...PAYLOAD_FIELDS,
  items: fieldSchema({ type: 'string', pattern: "^[!#$%&'*+\\-^_`|~0-9A-Za-z]+$", example: 'X-Lead-Source' }),
  example: [{ target: 'X-Lead-Source', value: 'flowline' }],
};

@RefusesUnknownProperties()
export class MappingDto {
  @ApiProperty({ example: 'Sequel registration', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty(schemaOf(PAYLOAD_FIELDS))
  @IsArray()
  @IsMappingFields()
  fields!: unknown[];
}

@RefusesUnknownProperties()
export class PreviewDto {
  @ApiProperty(
    schemaOf({
      ...EVENT_SCHEMA,
      description: 'an event as producers send it (docs/CONTRACT.md §2); tenant defaults to yours',
    }),
  )
  @IsObject()
  event!: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'for flow_name in the preview' })
  @IsOptional()
  @IsString()
  flow_name?: string;
}

@RefusesUnknownProperties()
export class AdHocPreviewDto extends PreviewDto {
  // `required` lists the object's own required properties; `selfRequired` says this one is required.
  @ApiProperty(
    schemaOf({ type: 'object', required: ['fields'], properties: { fields: PAYLOAD_FIELDS }, selfRequired: true }),
  )
  @IsObject()
  mapping!: { fields: unknown[] };

  @ApiProperty(
    schemaOf({
      type: 'object',
      required: ['fields'],
      properties: { fields: HEADER_FIELDS },
      description: 'a header mapping to render with it',
      selfRequired: false,
    }),
  )
  @IsOptional()
  @IsObject()
  header_mapping?: { fields: unknown[] };
}

export class MappingResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) fields!: unknown[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class MappingListDto {
  @ApiProperty({ type: MappingResponseDto, isArray: true }) mappings!: MappingResponseDto[];
}

/** What a mapping renders for an event: nothing is saved or sent. */
export class PreviewResponseDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the body the receiver would get' })
  payload!: Record<string, unknown>;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'the header mapping\u2019s headers',
  })
  headers!: Record<string, string>;

  @ApiProperty({ type: 'array', items: { type: 'string' }, description: 'fields that could not be rendered, and why' })
  errors!: string[];
}
