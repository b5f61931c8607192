import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsDateString,
  IsIn,
  IsOptional,
  IsString,
  Length,
} from 'class-validator';
import { SCOPES, Scope } from 'src/access/scopes';
import {
  API_KEY_STATUSES,
  ApiKeyView,
  ApplicationView,
  IssuedApiKey,
} from 'src/applications/applications.service';
import { ApiEnum, ApiId, ApiTime } from 'src/common/api-schema';

export class IssueKeyDto {
  @ApiProperty({ enum: SCOPES, isArray: true, example: ['generate', 'records:read'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(SCOPES, { each: true, message: `each scope must be one of ${SCOPES.join(', ')}` })
  scopes!: Scope[];

  @ApiPropertyOptional({ description: 'When the key stops working (ISO 8601); default never.' })
  @IsOptional()
  @IsDateString({ strict: true })
  expiresAt?: string;
}

export class CreateApplicationDto extends IssueKeyDto {
  @ApiProperty({ example: 'discharge-summary-assistant' })
  @IsString()
  @Length(1, 120)
  name!: string;
}

export class ApplicationResponseDto implements ApplicationView {
  @ApiId('The application.')
  id!: string;

  @ApiProperty({ example: 'discharge-summary-assistant' })
  name!: string;

  @ApiTime('When it was registered.')
  createdAt!: string;

  @ApiTime('When it was disabled; null while it is not.', { nullable: true })
  disabledAt!: string | null;
}

export class ApiKeyResponseDto implements ApiKeyView {
  @ApiId('The key.')
  id!: string;

  @ApiId('The application the key belongs to.')
  applicationId!: string;

  @ApiProperty({
    description: 'The public part that names the key: iak_ and 12 characters.',
    pattern: '^iak_[0-9a-z]{12}$',
    example: 'iak_0w8244kshy4t',
  })
  prefix!: string;

  @ApiProperty({ enum: SCOPES, isArray: true, description: 'What the key may do.' })
  scopes!: Scope[];

  @ApiEnum(API_KEY_STATUSES, 'Whether the key is accepted now.')
  status!: ApiKeyView['status'];

  @ApiTime('When it was issued.')
  createdAt!: string;

  @ApiTime('When it stops working; null: never.', { nullable: true })
  expiresAt!: string | null;

  @ApiTime('Its last accepted request; null: never used.', { nullable: true })
  lastUsedAt!: string | null;

  @ApiTime('When it was revoked; null unless it was.', { nullable: true })
  revokedAt!: string | null;
}

export class IssuedApiKeyResponseDto extends ApiKeyResponseDto implements IssuedApiKey {
  @ApiProperty({
    description:
      'The whole key, shown this once (only its SHA-256 is kept): send it as Authorization: Bearer.',
    pattern: '^iak_[0-9a-z]{12}_[A-Za-z0-9_-]{43}$',
  })
  key!: string;
}

export class CreatedApplicationResponseDto {
  @ApiProperty({ type: ApplicationResponseDto })
  application!: ApplicationResponseDto;

  @ApiProperty({ type: IssuedApiKeyResponseDto, description: 'Its first key.' })
  key!: IssuedApiKeyResponseDto;
}
