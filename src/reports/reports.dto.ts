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
import {
  ApiEnum,
  ApiId,
  ApiNullableInteger,
  ApiNullableString,
  ApiTime,
} from 'src/common/api-schema';
import { REPORT_KINDS, ReportKind, ReportScope } from 'src/evidence-format/evidence-package';
import { JOB_STATUSES, JobStatus } from 'src/jobs/job.entity';
import { ReportView } from 'src/reports/reports.service';

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

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** What a report covers: exactly the members of its kind are present. */
export class ReportScopeResponseDto implements ReportScope {
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    description: 'decision-evidence: the record',
  })
  recordId?: string;

  @ApiPropertyOptional({ description: 'case-file: the case id' })
  caseId?: string;

  @ApiPropertyOptional({ description: 'case-file: the pseudonymous subject reference' })
  subjectRef?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    isArray: true,
    description: 'period-audit: the applications, sorted (empty: all of the tenant)',
  })
  applicationIds?: string[];

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'period-audit: start (inclusive)',
  })
  from?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'period-audit: end (exclusive)',
  })
  to?: string;
}

/** Why a report was withdrawn: the erased record whose text it showed. */
export class ReportWithdrawalResponseDto {
  @ApiProperty({ format: 'uuid', description: 'The erased record.' })
  recordId!: string;

  @ApiTime('When the record was erased.')
  erasedAt!: string;
}

/** A built file of a report. */
export class ReportFileResponseDto {
  @ApiProperty({
    description: "SHA-256 of the file's bytes, lower-case hex.",
    pattern: '^[0-9a-f]{64}$',
  })
  sha256!: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'Its length in bytes.' })
  bytes!: number;

  @ApiProperty({ description: 'Where to download it (the download is logged first).' })
  href!: string;
}

export class ReportResponseDto implements ReportView {
  @ApiId('The report.')
  id!: string;

  @ApiEnum(REPORT_KINDS, 'What kind of report.')
  kind!: ReportKind;

  @ApiProperty({ type: ReportScopeResponseDto })
  scope!: ReportScopeResponseDto;

  @ApiId('The build job; its status and progress are given here.')
  jobId!: string;

  @ApiId('The person or application that asked for it.')
  requestedBy!: string;

  @ApiTime("The report's clock: when it was asked for, to the second.")
  requestedAt!: string;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description:
      'Size of the signed checkpoint pinned at the request: the report reads the records below it.',
  })
  checkpointSize!: number;

  @ApiId('The earlier report whose checkpoint the package proves this log consistent with.', {
    nullable: true,
  })
  previousReportId!: string | null;

  @ApiEnum(JOB_STATUSES, 'Where the build is.')
  status!: JobStatus;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: 100, description: 'Percent done.' })
  progress!: number;

  @ApiNullableString('What the build is doing now.')
  progressMessage!: string | null;

  @ApiNullableString('Why the build failed, when it did.')
  error!: string | null;

  @ApiNullableInteger('Records the report covers; null until it is built.')
  recordCount!: number | null;

  @ApiTime('When it was built; null until then.', { nullable: true })
  completedAt!: string | null;

  @ApiProperty({
    type: ReportFileResponseDto,
    nullable: true,
    description: 'The PDF; null until built, and once withdrawn.',
  })
  pdf!: ReportFileResponseDto | null;

  @ApiProperty({
    type: ReportFileResponseDto,
    nullable: true,
    description: 'The evidence package (ZIP); null until built, and once withdrawn.',
  })
  evidence!: ReportFileResponseDto | null;

  @ApiProperty({
    type: ReportWithdrawalResponseDto,
    nullable: true,
    description:
      'Set once a record whose text the report showed was erased: its files are deleted and no longer served (410); a new request builds one without that text.',
  })
  withdrawn!: ReportWithdrawalResponseDto | null;
}

export class ReportPageResponseDto {
  @ApiProperty({ type: [ReportResponseDto], description: 'Newest first.' })
  reports!: ReportResponseDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page.',
  })
  nextCursor!: string | null;
}
