import { Body, Controller, Get, Headers, HttpCode, Post, Query } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, Public } from 'src/access/access';
import { RECORD_BODY_SCHEMA, SUBMITTED_RECORD_SCHEMA } from 'src/evidence-format/record-schema';
import { ApplicationPrincipal, Principal, UserPrincipal } from 'src/access/principal';
import { IdParam } from 'src/common/id-param';
import {
  CreateGenerationDto,
  CreateReviewDto,
  EraseRecordDto,
  SearchRecordsDto,
} from 'src/records/records.dto';
import { RecordsService } from 'src/records/records.service';
import { GenerationsService } from 'src/records/generations.service';
import { SubmissionsService } from 'src/records/submissions.service';

/** Documented once, under the name the handler reads (header names are case-insensitive). */
const IDEMPOTENCY_HEADER = {
  name: 'idempotency-key',
  required: false,
  description:
    'A retry with the same key returns the same record instead of committing a second. 8 to 128 characters of letters, digits and . _ : -',
  schema: { type: 'string', minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9._:-]{8,128}$' },
} as const;

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
  generate(
    @CurrentPrincipal() p: ApplicationPrincipal,
    @Body() body: CreateGenerationDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
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
  submit(
    @CurrentPrincipal() p: ApplicationPrincipal,
    @Body() body: Record<string, unknown>,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
    return this.submissions.submit(p, body, idempotencyKey);
  }

  @Get('schemas/record.json')
  @Public()
  @ApiOperation({ summary: 'JSON Schema (2020-12) of record bodies, version 1' })
  recordSchema() {
    return RECORD_BODY_SCHEMA;
  }

  @Get('schemas/submitted-record.json')
  @Public()
  @ApiOperation({ summary: 'JSON Schema (2020-12) of POST /v1/records bodies' })
  submittedSchema() {
    return SUBMITTED_RECORD_SCHEMA;
  }

  @Get('records')
  @Access(READERS)
  @ApiOperation({ summary: 'Search records, newest first (keyset pagination)' })
  search(@CurrentPrincipal() p: Principal, @Query() query: SearchRecordsDto) {
    return this.records.search(p, query);
  }

  @Post('records/:recordId/reviews')
  @HttpCode(201)
  @Access({ roles: ['admin', 'compliance_officer'] })
  @ApiOperation({ summary: 'Review a record: a new signed log entry naming it' })
  review(
    @CurrentPrincipal() p: UserPrincipal,
    @IdParam('recordId') id: string,
    @Body() body: CreateReviewDto,
  ) {
    return this.records.review(p, id, body);
  }

  @Post('records/:recordId/erasure')
  @HttpCode(201)
  @Access({ roles: ['admin'] })
  @ApiOperation({
    summary:
      "Erase a record's prompt and output (its key is destroyed); the record and log still verify",
  })
  erase(
    @CurrentPrincipal() p: UserPrincipal,
    @IdParam('recordId') id: string,
    @Body() body: EraseRecordDto,
  ) {
    return this.records.erase(p, id, body);
  }

  @Get('records/:recordId')
  @Access(READERS)
  @ApiOperation({
    summary: 'One record: its signed log entry, its text unless erased, and later entries about it',
  })
  get(@CurrentPrincipal() p: Principal, @IdParam('recordId') id: string) {
    return this.records.get(p, id);
  }
}
