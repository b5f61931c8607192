import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsDateString,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

export class RequestContextDto {
  @ApiPropertyOptional({ example: 'discharge summary draft' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  purpose?: string;

  @ApiPropertyOptional({ example: 'CASE-2026-0042' })
  @IsOptional()
  @IsString()
  @Length(1, 120)
  caseId?: string;

  @ApiPropertyOptional({ description: 'Pseudonymous reference to the person concerned' })
  @IsOptional()
  @IsString()
  @Length(1, 120)
  subjectRef?: string;

  @ApiPropertyOptional({
    description: 'Whether a decision about that person rests on this output alone',
  })
  @IsOptional()
  @IsBoolean()
  solelyAutomatedDecision?: boolean;
}

export class SteeringDto {
  @ApiProperty({ example: 'topic.politics_government' })
  @IsString()
  @Length(1, 120)
  concept!: string;

  @ApiProperty({ enum: ['suppress', 'amplify'] })
  @IsIn(['suppress', 'amplify'])
  mode!: 'suppress' | 'amplify';

  @ApiPropertyOptional()
  @IsOptional()
  @IsNumber()
  weight?: number;
}

export class CreateGenerationDto {
  @ApiProperty({ example: 'The patient was discharged' })
  @IsString()
  @Length(1, 4000)
  prompt!: string;

  @ApiPropertyOptional({ default: 32 })
  @IsOptional()
  @IsInt()
  maxTokens?: number;

  @ApiPropertyOptional({ default: 0.8 })
  @IsOptional()
  @IsNumber()
  temperature?: number;

  @ApiPropertyOptional({ default: 0.95 })
  @IsOptional()
  @IsNumber()
  topP?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @IsInt()
  seed?: number;

  @ApiPropertyOptional({ type: [SteeringDto] })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SteeringDto)
  steering?: SteeringDto[];

  @ApiPropertyOptional({ type: RequestContextDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => RequestContextDto)
  context?: RequestContextDto;
}

export class SearchRecordsDto {
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;

  @IsOptional()
  @IsUUID()
  applicationId?: string;

  @IsOptional()
  @IsString()
  @Length(1, 120)
  concept?: string;

  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(1)
  minShare?: number;

  @IsOptional()
  @IsIn(['pass', 'flag', 'block'])
  policyOutcome?: 'pass' | 'flag' | 'block';

  @IsOptional()
  @IsString()
  @Length(1, 120)
  caseId?: string;

  @ApiPropertyOptional({
    enum: ['reviewed', 'unreviewed'],
    description: 'Only records a person has reviewed, or only those nobody has',
  })
  @IsOptional()
  @IsIn(['reviewed', 'unreviewed'])
  reviewState?: 'reviewed' | 'unreviewed';

  @ApiPropertyOptional({ enum: ['newest', 'oldest'], default: 'newest' })
  @IsOptional()
  @IsIn(['newest', 'oldest'])
  order?: 'newest' | 'oldest';

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  cursor?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export const REVIEW_VERDICTS = ['approved', 'rejected', 'needs_follow_up'] as const;
export type ReviewVerdict = (typeof REVIEW_VERDICTS)[number];
export const REVIEW_TYPES = ['review', 'annotation', 'correction'] as const;
export type ReviewType = (typeof REVIEW_TYPES)[number];

/**
 * A person's word on a record: a review (a verdict), an annotation, or a correction (what the
 * output got wrong). All are log entries naming the record; none changes it.
 */
export class CreateReviewDto {
  @ApiPropertyOptional({ enum: REVIEW_TYPES, default: 'review' })
  @IsOptional()
  @IsIn(REVIEW_TYPES)
  type?: ReviewType;

  @ApiPropertyOptional({ enum: REVIEW_VERDICTS, description: 'Required for a review' })
  @ValidateIf((o: CreateReviewDto) => (o.type ?? 'review') === 'review' || o.verdict !== undefined)
  @IsIn(REVIEW_VERDICTS)
  verdict?: ReviewVerdict;

  @ApiPropertyOptional({
    description:
      'Required for an annotation or a correction. Kept in the log, which erasure does not touch: no personal data',
  })
  @ValidateIf((o: CreateReviewDto) => (o.type ?? 'review') !== 'review' || o.note !== undefined)
  @IsString()
  @Length(1, 4000)
  note?: string;
}

export class EraseRecordDto {
  @ApiProperty({ example: 'GDPR Art. 17 request 2026-118 from the data subject' })
  @IsString()
  @Length(3, 1000)
  reason!: string;
}
