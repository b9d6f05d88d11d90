import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import type { TypeHelpOptions } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { RefusesUnknownProperties, schemaOf } from '../common/openapi';
import {
  HasNoCredentials,
  IsHeaderMap,
  MAX_STATIC_HEADERS,
  MAX_STATIC_HEADER_VALUE,
  SumAtMost,
} from '../common/validators';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

/**
 * A plain http(s) URL without credentials, for the OpenAPI document: host names whose labels
 * start with a letter, ports 1-65535, then anything but white space and `<>` (as `IsUrl`). A
 * subset of what `IsUrl` accepts (which no regular expression states exactly: IP hosts are left
 * out), so every URL the document allows is one the API takes.
 */
export const URL_SCHEMA = {
  type: 'string',
  pattern:
    '^https?://[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*' +
    '(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?' +
    '(?:[/?#][^\\s<>\\u0000]*)?$',
  example: 'https://crm.example.com/hooks/flowline',
} as const;

/** An HTTP header name (a token, RFC 9110). */
const HEADER_NAME_PATTERN = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$";

@RefusesUnknownProperties()
export class NoAuthDto {
  @ApiProperty({ enum: ['none'] }) @IsIn(['none']) type!: 'none';
}

@RefusesUnknownProperties()
export class BasicAuthDto {
  @ApiProperty({ enum: ['basic'] }) @IsIn(['basic']) type!: 'basic';
  @ApiProperty({ minLength: 1, maxLength: 500 }) @IsString() @Length(1, 500) username!: string;
  @ApiProperty({ writeOnly: true, minLength: 1, maxLength: 1000 }) @IsString() @Length(1, 1000) password!: string;
}

@RefusesUnknownProperties()
export class ApiKeyAuthDto {
  @ApiProperty({ enum: ['api_key'] }) @IsIn(['api_key']) type!: 'api_key';
  @ApiProperty({ example: 'X-API-Key', pattern: HEADER_NAME_PATTERN })
  @IsString()
  @Matches(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { message: 'header must be a valid HTTP header name' })
  header!: string;
  @ApiProperty({ writeOnly: true, minLength: 1, maxLength: 2000 }) @IsString() @Length(1, 2000) key!: string;
}

@RefusesUnknownProperties()
export class BearerAuthDto {
  @ApiProperty({ enum: ['bearer'] }) @IsIn(['bearer']) type!: 'bearer';
  @ApiProperty({ writeOnly: true, minLength: 1, maxLength: 4000 }) @IsString() @Length(1, 4000) token!: string;
}

@RefusesUnknownProperties()
export class OAuth2AuthDto {
  @ApiProperty({ enum: ['oauth2'] }) @IsIn(['oauth2']) type!: 'oauth2';
  @ApiProperty({ enum: ['client_credentials', 'authorization_code'] })
  @IsIn(['client_credentials', 'authorization_code'])
  grant_type!: 'client_credentials' | 'authorization_code';
  @ApiProperty({ minLength: 1, maxLength: 500 }) @IsString() @Length(1, 500) client_id!: string;
  @ApiProperty({ writeOnly: true, minLength: 1, maxLength: 2000 })
  @IsString()
  @Length(1, 2000)
  client_secret!: string;
  @ApiProperty(URL_SCHEMA)
  @IsUrl(URL_OPTIONS)
  @HasNoCredentials('put them in client_id and client_secret')
  token_url!: string;
  @ApiPropertyOptional({ minLength: 1, maxLength: 1000 }) @IsOptional() @IsString() @Length(1, 1000) scope?: string;
  @ApiPropertyOptional({ writeOnly: true, minLength: 1, maxLength: 4000, description: 'for authorization_code' })
  @IsOptional()
  @IsString()
  @Length(1, 4000)
  refresh_token?: string;
}

export type AuthDto = NoAuthDto | BasicAuthDto | ApiKeyAuthDto | BearerAuthDto | OAuth2AuthDto;

/** The fields of each auth type that are secrets: write-only, sealed at rest, masked in answers. */
export const SECRET_FIELDS: Record<string, readonly string[]> = {
  none: [],
  basic: ['password'],
  api_key: ['key'],
  bearer: ['token'],
  oauth2: ['client_secret', 'refresh_token'],
};

const AUTH_TYPES = [NoAuthDto, BasicAuthDto, ApiKeyAuthDto, BearerAuthDto, OAuth2AuthDto];

const AUTH_CLASS_BY_TYPE: Readonly<Record<string, new () => object>> = {
  none: NoAuthDto,
  basic: BasicAuthDto,
  api_key: ApiKeyAuthDto,
  bearer: BearerAuthDto,
  oauth2: OAuth2AuthDto,
};

/**
 * The class an `auth` value is validated as, chosen by its `type`. class-transformer's own
 * discriminator reads `type` of whatever it is given and throws on a list holding null, so the
 * choice is made here, from an object only: anything else is left for `@IsObject` to refuse.
 */
function authClassOf(options?: TypeHelpOptions): new () => object {
  const auth = (options?.object as Record<string, unknown> | undefined)?.auth;
  const type = typeof auth === 'object' && auth !== null ? (auth as Record<string, unknown>).type : undefined;
  return typeof type === 'string' && Object.hasOwn(AUTH_CLASS_BY_TYPE, type) ? AUTH_CLASS_BY_TYPE[type]! : NoAuthDto;
}

@RefusesUnknownProperties()
@ApiExtraModels(...AUTH_TYPES)
export class ConnectionDto {
  @ApiProperty({ example: 'CRM webhook', minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) name!: string;

  @ApiProperty({ ...URL_SCHEMA, description: 'where deliveries go; credentials belong in `auth`, not here' })
  @IsUrl(URL_OPTIONS)
  @HasNoCredentials('put credentials in auth')
  url!: string;

  @ApiPropertyOptional({ enum: ['POST', 'GET'], default: 'POST' })
  @IsOptional()
  @IsIn(['POST', 'GET'])
  method?: 'POST' | 'GET';

  @ApiPropertyOptional({ enum: ['application/json', 'application/x-www-form-urlencoded'], default: 'application/json' })
  @IsOptional()
  @IsIn(['application/json', 'application/x-www-form-urlencoded'])
  content_type?: string;

  @ApiPropertyOptional({
    description: 'how requests authenticate, chosen by `type`; secrets are write-only',
    oneOf: AUTH_TYPES.map((type) => ({ $ref: getSchemaPath(type) })),
    discriminator: {
      propertyName: 'type',
      mapping: {
        none: getSchemaPath(NoAuthDto),
        basic: getSchemaPath(BasicAuthDto),
        api_key: getSchemaPath(ApiKeyAuthDto),
        bearer: getSchemaPath(BearerAuthDto),
        oauth2: getSchemaPath(OAuth2AuthDto),
      },
    },
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(authClassOf)
  auth?: AuthDto;

  @ApiPropertyOptional(
    schemaOf({
      type: 'object',
      additionalProperties: { type: 'string', maxLength: MAX_STATIC_HEADER_VALUE },
      propertyNames: { pattern: HEADER_NAME_PATTERN },
      maxProperties: MAX_STATIC_HEADERS,
      example: { 'X-Company-ID': 'company_12345' },
    } as SchemaObject),
  )
  @IsOptional()
  @IsHeaderMap()
  headers?: Record<string, string>;

  @ApiPropertyOptional({
    writeOnly: true,
    pattern: '^whsec_[A-Za-z0-9+/=]{16,}$',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  })
  @IsOptional()
  @IsString()
  @Matches(/^whsec_[A-Za-z0-9+/=]{16,}$/, { message: 'signing_secret must be whsec_ followed by base64' })
  signing_secret?: string;

  @ApiPropertyOptional({ type: 'integer', default: 15000, minimum: 100, maximum: 60_000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(60_000)
  timeout_ms?: number;

  @ApiPropertyOptional({ type: 'integer', default: 3, minimum: 0, maximum: 10 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  max_retries?: number;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'integer', minimum: 1, maximum: 72 * 3600 },
    maxItems: 10,
    description: 'seconds to wait before each retry; together at most 72 hours (259200)',
    example: [10, 120, 900],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(72 * 3600, { each: true })
  @SumAtMost(72 * 3600)
  retry_schedule_s?: number[];

  @ApiPropertyOptional({ type: 'integer', default: 50, minimum: 1, maximum: 10_000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  rate_limit_per_s?: number;

  @ApiPropertyOptional({ type: 'integer', default: 10, minimum: 1, maximum: 1000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  max_in_flight?: number;

  @ApiPropertyOptional({ enum: ['per_subject', 'none'], default: 'per_subject' })
  @IsOptional()
  @IsIn(['per_subject', 'none'])
  ordering?: 'per_subject' | 'none';

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 30 * 24 * 3600,
    description:
      'pause the connection once every delivery to it has failed with a retryable failure (5xx, 429, ' +
      'timeout, connection error) for this many seconds; 0 never; default FLOWLINE_PAUSE_AFTER_FAILING_S (24 h)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 24 * 3600)
  pause_after_failing_s?: number;
}

/** The policy fields of a connection, stored together. */
export const POLICY_FIELDS = [
  'timeout_ms',
  'max_retries',
  'retry_schedule_s',
  'rate_limit_per_s',
  'max_in_flight',
  'ordering',
  'pause_after_failing_s',
] as const;

export class ConnectionPauseDto {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'paused by operator' }) reason!: string | null;
}

/** A connection as answers show it: secrets masked as `********`, policy fields as set. */
export class ConnectionResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: ['POST', 'GET'] }) method!: string;
  @ApiProperty({ enum: ['application/json', 'application/x-www-form-urlencoded'] }) content_type!: string;

  @ApiProperty({
    type: 'object',
    required: ['type'],
    properties: { type: { type: 'string', enum: Object.keys(SECRET_FIELDS) } },
    additionalProperties: { type: 'string' },
    description: 'the auth settings; each secret shows as ********',
    example: { type: 'basic', username: 'flowline', password: '********' },
  })
  auth!: Record<string, unknown>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) headers!: Record<string, string>;
  @ApiProperty({ type: 'string', nullable: true, enum: ['********', null] }) signing_secret!: string | null;
  @ApiPropertyOptional({ type: 'integer' }) timeout_ms?: number;
  @ApiPropertyOptional({ type: 'integer' }) max_retries?: number;
  @ApiPropertyOptional({ type: 'array', items: { type: 'integer' } }) retry_schedule_s?: number[];
  @ApiPropertyOptional({ type: 'integer' }) rate_limit_per_s?: number;
  @ApiPropertyOptional({ type: 'integer' }) max_in_flight?: number;
  @ApiPropertyOptional({ enum: ['per_subject', 'none'] }) ordering?: string;
  @ApiPropertyOptional({ type: 'integer' }) pause_after_failing_s?: number;

  @ApiProperty({
    type: ConnectionPauseDto,
    nullable: true,
    description:
      'set while its deliveries are held (after a 410 Gone, after failing longer than pause_after_failing_s, ' +
      'or paused by hand; the reason names the rule); null when running',
  })
  paused!: ConnectionPauseDto | null;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'since when every delivery to it has failed with a retryable failure; null when not failing',
  })
  failing_since!: string | null;

  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class ConnectionListDto {
  @ApiProperty({ type: ConnectionResponseDto, isArray: true }) connections!: ConnectionResponseDto[];
}

/** "Save & Test": one request sent as the dispatcher would send it. */
export class ConnectionTestResultDto {
  @ApiProperty({ description: 'the receiver accepted it (2xx)' }) ok!: boolean;
  @ApiProperty({ type: 'integer', nullable: true, description: 'null when no response came' }) status!: number | null;
  @ApiProperty({ type: 'integer', minimum: 0 }) latency_ms!: number;
  @ApiProperty({ type: 'string', nullable: true, description: 'why it failed (refused target, timeout...)' })
  error!: string | null;
}
