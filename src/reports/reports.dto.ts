import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
} from 'class-validator';
import { REPORT_KINDS, ReportKind } from 'src/evidence-format/evidence-package';

export class CreateReportDto {
  @ApiProperty({ enum: REPORT_KINDS })
  @IsIn(REPORT_KINDS)
  kind!: ReportKind;

  @ApiPropertyOptional({ description: 'decision-evidence: the record' })
  @IsOptional()
  @IsUUID()
  recordId?: string;

  @ApiPropertyOptional({ description: 'case-file: the case id (or give subjectRef)' })
  @IsOptional()
  @IsString()
  @Length(1, 120)
  caseId?: string;

  @ApiPropertyOptional({ description: 'case-file: the pseudonymous subject reference' })
  @IsOptional()
  @IsString()
  @Length(1, 120)
  subjectRef?: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'period-audit: the applications (none: all of the tenant)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  applicationIds?: string[];

  @ApiPropertyOptional({ description: 'period-audit: start, RFC 3339 (inclusive)' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'period-audit: end, RFC 3339 (exclusive)' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;

  @ApiPropertyOptional({
    description:
      'An earlier completed report: the package then proves this log is consistent with its checkpoint',
  })
  @IsOptional()
  @IsUUID()
  previousReportId?: string;
}

export class ListReportsDto {
  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  cursor?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}
