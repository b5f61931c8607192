import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsEmail, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { ROLES, Role } from 'src/access/roles';

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
