import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { NOTIFICATION_EVENTS } from '@flowline/contracts';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
} from 'class-validator';
import { RefusesUnknownProperties } from '../common/openapi';
import { HasNoCredentials } from '../common/validators';
import { URL_SCHEMA } from '../connections/connection.dto';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

/** Where a tenant's operators hear of pauses, resumes, abandoned deliveries and finished replays. */
@RefusesUnknownProperties()
export class NotificationEndpointDto {
  @ApiProperty({ example: 'on-call', minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) name!: string;

  @ApiPropertyOptional({
    ...URL_SCHEMA,
    description: 'where notifications are POSTed (Standard Webhooks); give this or emails, not both',
  })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  @HasNoCredentials('notifications are signed with signing_secret instead')
  url?: string;

  @ApiPropertyOptional({
    writeOnly: true,
    pattern: '^whsec_[A-Za-z0-9+/=]{16,}$',
    description: 'signs every notification to url; one is made (and shown once) when left out',
  })
  @IsOptional()
  @IsString()
  @Matches(/^whsec_[A-Za-z0-9+/=]{16,}$/, { message: 'signing_secret must be whsec_ followed by base64' })
  signing_secret?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', format: 'email', maxLength: 254 },
    minItems: 1,
    maxItems: 20,
    uniqueItems: true,
    description: 'addresses notifications are emailed to (SMTP_URL); give this or url, not both',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsEmail({}, { each: true })
  @Length(3, 254, { each: true })
  emails?: string[];

  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: [...NOTIFICATION_EVENTS] },
    minItems: 1,
    maxItems: NOTIFICATION_EVENTS.length,
    uniqueItems: true,
    description: 'what to be told of',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(NOTIFICATION_EVENTS, { each: true })
  events!: string[];
}

/** A notification endpoint as answers show it: the secret masked (shown once when Flowline made it). */
export class NotificationEndpointResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'string', nullable: true }) url!: string | null;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: '******** once set; the whole secret only in the answer that made it',
  })
  signing_secret!: string | null;
  @ApiProperty({ type: 'array', items: { type: 'string' }, nullable: true }) emails!: string[] | null;
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...NOTIFICATION_EVENTS] } }) events!: string[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class NotificationEndpointListDto {
  @ApiProperty({ type: NotificationEndpointResponseDto, isArray: true })
  notification_endpoints!: NotificationEndpointResponseDto[];
}
