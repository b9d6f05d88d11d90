import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { RefusesUnknownProperties } from '../common/openapi';

@RefusesUnknownProperties()
export class CreateTenantDto {
  @ApiProperty({
    example: 'acme',
    description: 'The tenant id producers put in `tenant`.',
    minLength: 1,
    maxLength: 200,
    pattern: '^[A-Za-z0-9._:-]{1,200}$',
  })
  @IsString()
  @Length(1, 200)
  @Matches(/^[A-Za-z0-9._:-]+$/, { message: 'id may hold letters, digits, ".", "_", ":" and "-"' })
  id!: string;

  @ApiProperty({ example: 'Acme Corp', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;
}

export class TenantCreatedDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Shown once; Flowline keeps only its hash.' }) api_key!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}
