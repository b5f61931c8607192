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
