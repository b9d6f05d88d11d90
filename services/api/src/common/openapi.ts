import { applyDecorators, Type } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import type { ApiPropertyOptions, OpenAPIObject, SchemaObject } from '@nestjs/swagger';

/**
 * How the API answers every error (Nest's HttpException body): a 400 from validation lists every
 * problem in `message`; other errors say what is wrong in one sentence.
 */
export class ApiErrorDto {
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400 }) statusCode!: number;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'what is wrong: a 400 lists every problem',
    example: ['name must be longer than or equal to 1 characters'],
  })
  message!: string | string[];

  @ApiPropertyOptional({ example: 'Bad Request', description: "the status's reason phrase" })
  error?: string;
}

/** Each error status the API answers, and what it means wherever it is documented. */
const ERROR_MEANINGS = {
  400: 'the request is invalid: `message` lists every problem',
  401: 'missing or unknown key: send `Authorization: Bearer <key>`',
  403: 'tenant creation is disabled: FLOWLINE_ADMIN_TOKEN is not set',
  404: 'no such object for this tenant (another tenant\u2019s is as absent as one that never existed)',
  409: 'the change conflicts with the current state (named in `message`)',
  413: 'the body is larger than the API accepts',
  415: 'the body is not `application/json`',
  429: 'too many requests of this kind at once: try again later',
} as const;

export type ApiErrorStatus = keyof typeof ERROR_MEANINGS;

/** Documents error answers with the shared error body; `described` overrides a meaning. */
export function ApiErrors(
  statuses: readonly ApiErrorStatus[],
  described: Partial<Record<ApiErrorStatus, { description: string; type?: Type<unknown> }>> = {},
) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: described[status]?.description ?? ERROR_MEANINGS[status],
        type: described[status]?.type ?? ApiErrorDto,
      }),
    ),
  );
}

/** The errors of an operation that takes a JSON body: invalid, too large, not JSON. */
export const BODY_ERRORS = [400, 413, 415] as const satisfies readonly ApiErrorStatus[];

/** A configuration write past the tenant's bounds (`MAX_CONFIG_ROWS_PER_KIND`, `MAX_CONFIG_BYTES_PER_KIND`). */
export const QUOTA = {
  409: {
    description:
      "the tenant's objects of this kind would pass their bounds (1,000 objects, 32 MiB): `message` says which",
  },
} as const;

/** The errors of an operation on one object named in its path: a value no object can have, none. */
export const PATH_ERRORS = [400, 404] as const satisfies readonly ApiErrorStatus[];

const CLOSED_SCHEMAS = new Set<string>();

/**
 * The class's schema says `additionalProperties: false`: the validation pipe (whitelist,
 * forbidNonWhitelisted) refuses unknown properties of this class, wherever it is validated.
 * @nestjs/swagger has no option for it, so `closeSchemas` writes it into the document.
 */
export function RefusesUnknownProperties(): ClassDecorator {
  return (target) => {
    CLOSED_SCHEMAS.add(target.name);
  };
}

/**
 * Free text without NUL, which PostgreSQL text cannot hold, so the API refuses it. The length
 * goes into the pattern too: a generator then draws strings of every allowed length directly
 * instead of filtering a pattern's strings by length (which is slow at the bounds).
 */
function withoutNul(minLength: unknown, maxLength: unknown): string {
  const min = typeof minLength === 'number' ? minLength : 0;
  return `^[^\\u0000]{${min},${typeof maxLength === 'number' ? maxLength : ''}}$`;
}

/**
 * A date-time the API takes, as `isRfc3339Timestamp` (libs/contracts) reads it: RFC 3339 with a
 * four-digit year from 1000, no leap second, and an offset PostgreSQL reads (within ±15:59).
 * A pattern cannot say which days a month has; the `date-time` format beside it does.
 */
export const DATE_TIME_PATTERN =
  '^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-5][0-9](?:\\.[0-9]{1,9})?(?:[Zz]|[+-](?:0[0-9]|1[0-5]):[0-5][0-9])$';

export const DATE_TIME: SchemaObject = {
  type: 'string',
  format: 'date-time',
  pattern: DATE_TIME_PATTERN,
  example: '2025-01-10T09:00:00Z',
};

/**
 * What the document says beyond what decorators can, on the request side (parameters, bodies and
 * the classes marked `RefusesUnknownProperties`): those classes' schemas are closed; an optional
 * property may be null, which the validation pipe takes as absent; free text (a string with no
 * format, choice of values or pattern) may not hold a NUL. In place.
 */
export function describeRealConstraints(document: OpenAPIObject): OpenAPIObject {
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    if (!CLOSED_SCHEMAS.has(name) || '$ref' in schema) continue;
    schema.additionalProperties = false;
    for (const [property, value] of Object.entries(schema.properties ?? {})) {
      if ((schema.required ?? []).includes(property) || '$ref' in value) continue;
      value.nullable = true;
      // A nullable choice lists null among its values (OpenAPI 3.0.3).
      if (Array.isArray(value.enum) && !value.enum.includes(null)) value.enum = [...(value.enum as unknown[]), null];
    }
    forbidNul(schema);
  }
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      forbidNul(item[method]?.parameters);
      forbidNul(item[method]?.requestBody);
    }
  }
  return document;
}

function forbidNul(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(forbidNul);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as Record<string, unknown>;
  const free = schema.format === undefined && schema.enum === undefined && schema.pattern === undefined;
  if (schema.type === 'string' && free) schema.pattern = withoutNul(schema.minLength, schema.maxLength);
  for (const [key, value] of Object.entries(schema)) if (key !== 'example' && key !== 'examples') forbidNul(value);
}

/**
 * A hand-written schema as `@ApiProperty` options, for what decorators cannot say (a choice of
 * shapes, patterns built from the engine's own lists). The option types are narrower than
 * OpenAPI's own; Nest copies the schema into the document as it is. For an object, `required`
 * lists its own required properties and `selfRequired` says whether it is required itself.
 */
export function schemaOf(schema: SchemaObject & { selfRequired?: boolean }): ApiPropertyOptions {
  return schema as ApiPropertyOptions;
}
