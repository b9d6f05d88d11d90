import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { RefusesUnknownProperties } from '../common/openapi';

@RefusesUnknownProperties()
export class SignInDto {
  @ApiProperty({
    description: "The tenant's API key; exchanged for a session cookie, never stored by the console.",
    minLength: 1,
    maxLength: 200,
    writeOnly: true,
  })
  @IsString()
  @Length(1, 200)
  api_key!: string;
}

/** What the console learns about its session: whom it acts for and the token its changes carry. */
export class SessionDto {
  @ApiProperty({
    type: 'object',
    properties: { id: { type: 'string' }, name: { type: 'string' } },
    required: ['id', 'name'],
    description: 'the tenant signed in',
  })
  tenant!: { id: string; name: string };
  @ApiProperty({ description: 'Send it as X-CSRF-Token with every request that changes state.' })
  csrf_token!: string;
  @ApiProperty({ description: 'When the session ends unless it is used before.' }) expires_at!: string;
}
