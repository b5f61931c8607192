import { Body, Controller, Get, Headers, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Access, CurrentPrincipal, Public } from 'src/access/access';
import {
  JsonSchema,
  RECORD_BODY_SCHEMA,
  RECORD_SCHEMA_ID,
  SUBMITTED_RECORD_SCHEMA,
  SUBMITTED_RECORD_SCHEMA_ID,
} from 'src/evidence-format/record-schema';
import { ApplicationPrincipal, Principal, UserPrincipal } from 'src/access/principal';
import { IdParam } from 'src/common/id-param';
import {
  CreateGenerationDto,
  CreateReviewDto,
  EraseRecordDto,
  GenerationResponseDto,
  RecordPageResponseDto,
  RecordResponseDto,
  SearchRecordsDto,
  SignedEntryResponseDto,
  SubmissionResponseDto,
} from 'src/records/records.dto';
import { RecordsService } from 'src/records/records.service';
import { GenerationsService } from 'src/records/generations.service';
import { SUBMITTED_RECORD } from 'src/records/records.openapi';
import { SubmissionsService } from 'src/records/submissions.service';

/** Documented once, under the name the handler reads (header names are case-insensitive). */
const IDEMPOTENCY_HEADER = {
  name: 'idempotency-key',
  required: false,
  description:
    'A retry with the same key returns the same record instead of committing a second. 8 to 128 characters of letters, digits and . _ : -',
  schema: { type: 'string', minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9._:-]{8,128}$' },
} as const;

/** A published JSON Schema document, served as it is. */
const JsonSchemaDocument = (id: string) =>
  ApiOkResponse({
    description: `The JSON Schema document ${id}.`,
    schema: {
      type: 'object',
      required: ['$schema', '$id', 'type', 'properties', '$defs'],
      additionalProperties: true,
      properties: {
        $schema: { type: 'string', enum: ['https://json-schema.org/draft/2020-12/schema'] },
        $id: { type: 'string', enum: [id] },
      },
    },
  });

const READERS = {
  roles: ['admin', 'compliance_officer', 'auditor'],
  scope: 'records:read',
} as const;

@ApiTags('records')
@Controller('v1')
export class RecordsController {
  constructor(
    private readonly generations: GenerationsService,
    private readonly submissions: SubmissionsService,
    private readonly records: RecordsService,
  ) {}

  @Post('generations')
  @HttpCode(201)
  @Access({ scope: 'generate' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({
    summary:
      'Generate, attribute, sign and commit a record; the text is released only after the commit',
  })
  @ApiCreatedResponse({ type: GenerationResponseDto })
  generate(
    @CurrentPrincipal() p: ApplicationPrincipal,
    @Body() body: CreateGenerationDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<GenerationResponseDto> {
    return this.generations.generate(p, body, idempotencyKey);
  }

  @Post('records')
  @HttpCode(201)
  @Access({ scope: 'records:submit' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({
    summary:
      "Record a generation made by the application's own interpretable model: validated strictly against /v1/schemas/submitted-record.json, judged by policy, signed and committed",
  })
  @ApiBody({ schema: { $ref: getSchemaPath(SUBMITTED_RECORD) } })
  @ApiCreatedResponse({ type: SubmissionResponseDto })
  submit(
    @CurrentPrincipal() p: ApplicationPrincipal,
    @Body() body: Record<string, unknown>,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<SubmissionResponseDto> {
    return this.submissions.submit(p, body, idempotencyKey);
  }

  @Get('schemas/record.json')
  @Public()
  @ApiOperation({ summary: 'JSON Schema (2020-12) of record bodies, version 1' })
  @JsonSchemaDocument(RECORD_SCHEMA_ID)
  recordSchema(): JsonSchema {
    return RECORD_BODY_SCHEMA;
  }

  @Get('schemas/submitted-record.json')
  @Public()
  @ApiOperation({ summary: 'JSON Schema (2020-12) of POST /v1/records bodies' })
  @JsonSchemaDocument(SUBMITTED_RECORD_SCHEMA_ID)
  submittedSchema(): JsonSchema {
    return SUBMITTED_RECORD_SCHEMA;
  }

  @Get('records')
  @Access(READERS)
  @ApiOperation({ summary: 'Search records, newest first (keyset pagination)' })
  @ApiOkResponse({ type: RecordPageResponseDto })
  search(
    @CurrentPrincipal() p: Principal,
    @Query() query: SearchRecordsDto,
  ): Promise<RecordPageResponseDto> {
    return this.records.search(p, query);
  }

  @Post('records/:recordId/reviews')
  @HttpCode(201)
  @Access({ roles: ['admin', 'compliance_officer'] })
  @ApiOperation({ summary: 'Review a record: a new signed log entry naming it' })
  @ApiCreatedResponse({ type: SignedEntryResponseDto, description: 'The review entry, signed.' })
  review(
    @CurrentPrincipal() p: UserPrincipal,
    @IdParam('recordId') id: string,
    @Body() body: CreateReviewDto,
  ): Promise<SignedEntryResponseDto> {
    return this.records.review(p, id, body);
  }

  @Post('records/:recordId/erasure')
  @HttpCode(201)
  @Access({ roles: ['admin'] })
  @ApiOperation({
    summary:
      "Erase a record's prompt and output (its key is destroyed); the record and log still verify",
  })
  @ApiCreatedResponse({ type: SignedEntryResponseDto, description: 'The erasure entry, signed.' })
  erase(
    @CurrentPrincipal() p: UserPrincipal,
    @IdParam('recordId') id: string,
    @Body() body: EraseRecordDto,
  ): Promise<SignedEntryResponseDto> {
    return this.records.erase(p, id, body);
  }

  @Get('records/:recordId')
  @Access(READERS)
  @ApiOperation({
    summary: 'One record: its signed log entry, its text unless erased, and later entries about it',
  })
  @ApiOkResponse({ type: RecordResponseDto })
  get(
    @CurrentPrincipal() p: Principal,
    @IdParam('recordId') id: string,
  ): Promise<RecordResponseDto> {
    return this.records.get(p, id);
  }
}
