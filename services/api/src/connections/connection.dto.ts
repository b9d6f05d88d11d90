import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
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
import { HasNoCredentials, IsHeaderMap, SumAtMost } from '../common/validators';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class NoAuthDto {
  @ApiProperty({ enum: ['none'] }) @IsIn(['none']) type!: 'none';
}

export class BasicAuthDto {
  @ApiProperty({ enum: ['basic'] }) @IsIn(['basic']) type!: 'basic';
  @ApiProperty() @IsString() @Length(1, 500) username!: string;
  @ApiProperty({ writeOnly: true }) @IsString() @Length(1, 1000) password!: string;
}

export class ApiKeyAuthDto {
  @ApiProperty({ enum: ['api_key'] }) @IsIn(['api_key']) type!: 'api_key';
  @ApiProperty({ example: 'X-API-Key' })
  @IsString()
  @Matches(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { message: 'header must be a valid HTTP header name' })
  header!: string;
  @ApiProperty({ writeOnly: true }) @IsString() @Length(1, 2000) key!: string;
}

export class BearerAuthDto {
  @ApiProperty({ enum: ['bearer'] }) @IsIn(['bearer']) type!: 'bearer';
  @ApiProperty({ writeOnly: true }) @IsString() @Length(1, 4000) token!: string;
}

export class OAuth2AuthDto {
  @ApiProperty({ enum: ['oauth2'] }) @IsIn(['oauth2']) type!: 'oauth2';
  @ApiProperty({ enum: ['client_credentials', 'authorization_code'] })
  @IsIn(['client_credentials', 'authorization_code'])
  grant_type!: 'client_credentials' | 'authorization_code';
  @ApiProperty() @IsString() @Length(1, 500) client_id!: string;
  @ApiProperty({ writeOnly: true }) @IsString() @Length(1, 2000) client_secret!: string;
  @ApiProperty() @IsUrl(URL_OPTIONS) @HasNoCredentials('put them in client_id and client_secret') token_url!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 1000) scope?: string;
  @ApiPropertyOptional({ writeOnly: true, description: 'required for authorization_code' })
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

export class ConnectionDto {
  @ApiProperty({ example: 'CRM webhook' }) @IsString() @Length(1, 200) name!: string;

  @ApiProperty({ example: 'https://your-domain.com/api/webhook/sequel-data' })
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

  @ApiPropertyOptional({ description: 'one of: none, basic, api_key, bearer, oauth2' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => NoAuthDto, {
    keepDiscriminatorProperty: true,
    discriminator: {
      property: 'type',
      subTypes: [
        { name: 'none', value: NoAuthDto },
        { name: 'basic', value: BasicAuthDto },
        { name: 'api_key', value: ApiKeyAuthDto },
        { name: 'bearer', value: BearerAuthDto },
        { name: 'oauth2', value: OAuth2AuthDto },
      ],
    },
  })
  auth?: AuthDto;

  @ApiPropertyOptional({ example: { 'X-Company-ID': 'company_12345' } })
  @IsOptional()
  @IsHeaderMap()
  headers?: Record<string, string>;

  @ApiPropertyOptional({ writeOnly: true, example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
  @IsOptional()
  @IsString()
  @Matches(/^whsec_[A-Za-z0-9+/=]{16,}$/, { message: 'signing_secret must be whsec_ followed by base64' })
  signing_secret?: string;

  @ApiPropertyOptional({ default: 15000 }) @IsOptional() @IsInt() @Min(100) @Max(60_000) timeout_ms?: number;
  @ApiPropertyOptional({ default: 3 }) @IsOptional() @IsInt() @Min(0) @Max(10) max_retries?: number;

  @ApiPropertyOptional({ example: [10, 120, 900] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(72 * 3600, { each: true })
  @SumAtMost(72 * 3600)
  retry_schedule_s?: number[];

  @ApiPropertyOptional({ default: 50 }) @IsOptional() @IsInt() @Min(1) @Max(10_000) rate_limit_per_s?: number;
  @ApiPropertyOptional({ default: 10 }) @IsOptional() @IsInt() @Min(1) @Max(1000) max_in_flight?: number;

  @ApiPropertyOptional({ enum: ['per_subject', 'none'], default: 'per_subject' })
  @IsOptional()
  @IsIn(['per_subject', 'none'])
  ordering?: 'per_subject' | 'none';
}

/** The policy fields of a connection, stored together. */
export const POLICY_FIELDS = [
  'timeout_ms',
  'max_retries',
  'retry_schedule_s',
  'rate_limit_per_s',
  'max_in_flight',
  'ordering',
] as const;
