import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Length } from 'class-validator';

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
