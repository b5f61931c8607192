import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsEmail, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { ROLES, Role } from 'src/access/roles';
import { ApiEnum, ApiId, ApiNullableString, ApiTime } from 'src/common/api-schema';
import {
  AUDITOR_GRANT_STATUSES,
  AuditorGrantView,
  CreatedUser,
  UserView,
} from 'src/users/users.service';

export class CreateUserDto {
  @ApiProperty({ example: 'j.smith@st-mary.example' })
  @IsEmail({}, { message: 'email must be an email address' })
  @Length(3, 254)
  email!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role!: Role;
}

export class CreateAuditorGrantDto {
  // Exactly one of userId and email: each is checked whenever present, and the service refuses
  // both or neither.
  @ApiPropertyOptional({ description: 'The auditor, by id (or give email).' })
  @IsOptional()
  @IsUUID(undefined, { message: 'userId must be a UUID' })
  userId?: string;

  @ApiPropertyOptional({ description: 'The auditor, by email (or give userId).' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email address' })
  email?: string;

  @ApiProperty({ description: 'When access ends (ISO 8601).', example: '2027-03-31T23:59:59Z' })
  @IsDateString({ strict: true })
  validUntil!: string;

  @ApiPropertyOptional({ example: 'FY2026 external audit, engagement 114' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class UserResponseDto implements UserView {
  @ApiId('The person.')
  id!: string;

  @ApiProperty({ type: String, format: 'email', description: 'Lower-cased.' })
  email!: string;

  @ApiEnum(ROLES, 'What the person may do.')
  role!: Role;

  @ApiProperty({ description: 'The person holds a one-time password and must choose their own.' })
  passwordMustChange!: boolean;

  @ApiTime('Until when sign-in is locked after failed attempts; null when it is not.', {
    nullable: true,
  })
  lockedUntil!: string | null;

  @ApiTime('When the person was disabled; null while they are not.', { nullable: true })
  disabledAt!: string | null;

  @ApiTime('When the person was added.')
  createdAt!: string;
}

export class CreatedUserResponseDto implements CreatedUser {
  @ApiProperty({ type: UserResponseDto })
  user!: UserResponseDto;

  @ApiProperty({
    description: 'Shown this once: the person signs in with it and must then choose their own.',
  })
  oneTimePassword!: string;
}

export class AuditorGrantResponseDto implements AuditorGrantView {
  @ApiId('The grant.')
  id!: string;

  @ApiId('The auditor it lets in.')
  userId!: string;

  @ApiTime('When access starts.')
  validFrom!: string;

  @ApiTime('When access ends, by itself.')
  validUntil!: string;

  @ApiNullableString('Why the grant was given, as its author wrote it.')
  reason!: string | null;

  @ApiEnum(AUDITOR_GRANT_STATUSES, 'Whether the grant lets its auditor in now, and if not why.')
  status!: AuditorGrantView['status'];

  @ApiTime('When the grant was revoked; null unless it was.', { nullable: true })
  revokedAt!: string | null;
}
