import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length } from 'class-validator';

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
