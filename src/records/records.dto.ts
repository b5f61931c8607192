import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
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
import { ApiBase64, ApiEnum, ApiId, ApiNullableString, ApiTime } from 'src/common/api-schema';
import { SignedEntry } from 'src/evidence-format/entry';
import { PolicyResult } from 'src/evidence-format/record-body';
import type { GenerationResponse, SubmissionResponse } from 'src/records/record-commit.service';
import type { RecordText } from 'src/records/record-draft';
import { LOG_ENTRY_BODY, POLICY_RESULT, RECORD_BODY } from 'src/records/records.openapi';
import type { RecordView } from 'src/records/records.service';

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
  @ApiPropertyOptional({ format: 'date-time', description: 'Committed at or after (RFC 3339)' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Committed before (RFC 3339)' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  applicationId?: string;

  @ApiPropertyOptional({
    description: 'A named concept the record uses',
    example: 'finance.banking',
  })
  @IsOptional()
  @IsString()
  @Length(1, 120)
  concept?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 1,
    description: "With concept: the concept's least share of a chunk",
  })
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(1)
  minShare?: number;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description:
      'With concept: true for the records that state it detected in what the model read ' +
      '(its detector reached 0.5 in some chunk), false for those that state it and say it was ' +
      'not. Records before concept-decomposition method version 3 state no detection and match neither.',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  detected?: 'true' | 'false';

  @ApiPropertyOptional({ enum: ['pass', 'flag', 'block'] })
  @IsOptional()
  @IsIn(['pass', 'flag', 'block'])
  policyOutcome?: 'pass' | 'flag' | 'block';

  @ApiPropertyOptional()
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

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
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

// Answers. The record body and its policy result are the published record schema's
// (records.openapi.ts): referenced here, never restated.

const OUTCOMES = ['pass', 'flag', 'block'] as const;
const PROVENANCES = ['generated', 'submitted'] as const;
const refTo = (component: string, description: string) =>
  ApiProperty({ allOf: [{ $ref: getSchemaPath(component) }], description });

/** What every record commit answers with: the record's place in the log and its signature. */
export class SubmissionResponseDto implements SubmissionResponse {
  @ApiId('The record.')
  recordId!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: "The record's index in the log." })
  logIndex!: number;

  @ApiBase64("The record's leaf hash: SHA-256(0x00 ‖ canonical body).")
  leafHash!: string;

  @ApiBase64('Ed25519 signature of the leaf hash (64 bytes).')
  signature!: string;

  @ApiProperty({ description: 'Id of the signing key (see /.well-known/jwks.json).' })
  keyId!: string;

  @refTo(POLICY_RESULT, "How the output fared against the application's policy.")
  policy!: PolicyResult;

  @ApiProperty({
    description: 'True when this answer repeats an earlier request with the same Idempotency-Key.',
  })
  replayed!: boolean;
}

export class GenerationResponseDto extends SubmissionResponseDto implements GenerationResponse {
  @ApiProperty({ description: 'The generated text, released now that its record is committed.' })
  text!: string;
}

/** A log entry as signed: the body, its leaf hash, signature and key id (what audit-verify reads). */
function signedEntryOf(component: string, what: string) {
  class SignedEntryOf implements SignedEntry {
    @refTo(component, `${what}, exactly as canonicalised (RFC 8785) and hashed into the leaf.`)
    body!: Record<string, unknown>;

    @ApiBase64('SHA-256(0x00 ‖ canonical body).')
    leafHash!: string;

    @ApiBase64('Ed25519 signature of the leaf hash (64 bytes).')
    signature!: string;

    @ApiProperty({ description: 'Id of the signing key (see /.well-known/jwks.json).' })
    keyId!: string;
  }
  return SignedEntryOf;
}

export class SignedEntryResponseDto extends signedEntryOf(LOG_ENTRY_BODY, 'The entry body') {}

export class SignedRecordEntryResponseDto extends signedEntryOf(RECORD_BODY, 'The record body') {}

/** The erasable part of a record, opened. */
export class RecordTextResponseDto implements RecordText {
  @ApiProperty()
  prompt!: string;

  @ApiProperty()
  output!: string;

  @ApiBase64("The salt of the prompt's commitment (32 bytes).")
  promptSalt!: string;

  @ApiBase64("The salt of the output's commitment (32 bytes).")
  outputSalt!: string;

  @ApiProperty({ type: [String], description: 'The prompt as the model split it into tokens.' })
  promptTokens!: string[];

  @ApiProperty({
    type: [String],
    description: "Each chunk's text, in order: they make the output.",
  })
  chunkTexts!: string[];
}

export class RecordResponseDto implements RecordView {
  @ApiId('The record.')
  id!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: "The record's index in the log." })
  logIndex!: number;

  @ApiId('The application that made or submitted the generation.')
  applicationId!: string;

  @ApiTime('When the record was committed.')
  createdAt!: string;

  @ApiEnum(PROVENANCES, 'generated here, or submitted by the application.')
  provenance!: RecordView['provenance'];

  @ApiEnum(OUTCOMES, "The policy's verdict.")
  policyOutcome!: RecordView['policyOutcome'];

  @ApiProperty({ type: SignedRecordEntryResponseDto })
  entry!: SignedRecordEntryResponseDto;

  @ApiProperty({
    type: RecordTextResponseDto,
    nullable: true,
    description:
      'Prompt and output; null once erased, and for an application reading a blocked output.',
  })
  text!: RecordTextResponseDto | null;

  @ApiProperty({
    type: [SignedEntryResponseDto],
    description:
      'Later entries about the record, in log order: reviews, erasures, the latest reads.',
  })
  related!: SignedEntryResponseDto[];

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Reads of the record by people, in all (the latest few are in related).',
  })
  accessCount!: number;
}

export class RecordSummaryResponseDto {
  @ApiId('The record.')
  id!: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  logIndex!: number;

  @ApiId('The application.')
  applicationId!: string;

  @ApiTime('When the record was committed.')
  createdAt!: string;

  @ApiEnum(PROVENANCES, 'generated here, or submitted by the application.')
  provenance!: RecordView['provenance'];

  @ApiNullableString('What the output is for, as the request said.')
  purpose!: string | null;

  @ApiNullableString('The case the output belongs to, as the request said.')
  caseId!: string | null;

  @ApiEnum(OUTCOMES, "The policy's verdict.")
  policyOutcome!: RecordView['policyOutcome'];
}

export class RecordPageResponseDto {
  @ApiProperty({ type: [RecordSummaryResponseDto] })
  records!: RecordSummaryResponseDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page.',
  })
  nextCursor!: string | null;
}
