import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length } from 'class-validator';
import { ROLES, Role } from 'src/access/roles';
import { SCOPES, Scope } from 'src/access/scopes';
import { ApiEnum, ApiId, ApiTime } from 'src/common/api-schema';

export class SignInDto {
  @ApiProperty({ description: "The organisation's slug, e.g. st-marys-hospital", example: 'demo' })
  @IsString()
  @Length(1, 63)
  organisation!: string;

  @ApiProperty({ example: 'admin@demo.example' })
  @IsEmail({}, { message: 'email must be an email address' })
  @Length(3, 254)
  email!: string;

  @ApiProperty()
  @IsString()
  @Length(1, 1024)
  password!: string;
}

export class OidcStartDto {
  @ApiProperty({ description: "The organisation's slug, e.g. st-marys-hospital", example: 'demo' })
  @IsString()
  @Length(1, 63)
  organisation!: string;

  @ApiPropertyOptional({
    description: 'A path of this site to return to once signed in (anything else: /).',
    example: '/reports',
  })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  returnTo?: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @Length(1, 1024)
  currentPassword!: string;

  @ApiProperty({ description: 'At least 12 characters.' })
  @IsString()
  @Length(1, 1024)
  newPassword!: string;
}

/** The person a session belongs to. */
export class PersonResponseDto {
  @ApiProperty({ type: String, enum: ['user'] })
  kind!: 'user';

  @ApiId('Their tenant.')
  tenantId!: string;

  @ApiId('The person.')
  userId!: string;

  @ApiProperty({ type: String, format: 'email' })
  email!: string;

  @ApiEnum(ROLES, 'What they may do.')
  role!: Role;

  @ApiProperty({
    description:
      'They hold a one-time password: every route but POST /v1/auth/password answers 403 password_change_required until they choose their own.',
  })
  passwordChangeRequired!: boolean;

  @ApiTime("For an auditor: when their access ends (their latest grant's end); null otherwise.", {
    nullable: true,
  })
  auditorAccessUntil!: string | null;
}

const CSRF_TOKEN =
  'Send it as the x-csrf-token header with every state-changing request of this session.';

export class SignedInResponseDto extends PersonResponseDto {
  @ApiProperty({ description: CSRF_TOKEN })
  csrfToken!: string;

  @ApiTime('When the session ends at the latest (SESSION_MAX_HOURS), whatever the activity.')
  expiresAt!: string;
}

export class PersonSessionResponseDto extends PersonResponseDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: `${CSRF_TOKEN} Null when the session came other than by the cookie.`,
  })
  csrfToken!: string | null;
}

export class ApplicationSessionResponseDto {
  @ApiProperty({ type: String, enum: ['application'] })
  kind!: 'application';

  @ApiId('Its tenant.')
  tenantId!: string;

  @ApiId('The application the key belongs to.')
  applicationId!: string;

  @ApiProperty({ description: 'The public part of the key: iak_ and 12 characters.' })
  keyPrefix!: string;

  @ApiProperty({ enum: SCOPES, isArray: true, description: 'What the key may do.' })
  scopes!: Scope[];
}
