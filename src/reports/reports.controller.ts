import {
  applyDecorators,
  Body,
  Controller,
  Get,
  HttpCode,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Access, CurrentPrincipal } from 'src/access/access';
import { Principal } from 'src/access/principal';
import { IdParam } from 'src/common/id-param';
import {
  CreateReportDto,
  ListReportsDto,
  ReportPageResponseDto,
  ReportResponseDto,
} from 'src/reports/reports.dto';
import { ReportDownload, ReportsService } from 'src/reports/reports.service';

const REQUESTERS = { roles: ['admin', 'compliance_officer'], scope: 'reports' } as const;
const READERS = { roles: ['admin', 'compliance_officer', 'auditor'], scope: 'reports' } as const;

const WITHDRAWN =
  'Withdrawn: a record whose text the report showed was erased, and its files were deleted. Request the report again.';

/** A stored file of a report, streamed as an attachment with its length (see `file` below). */
const ReportFile = (mediaType: string, fileName: string) =>
  applyDecorators(
    ApiProduces(mediaType),
    ApiOkResponse({
      description: `The file's bytes, exactly those whose SHA-256 the report gives.`,
      schema: { type: 'string', format: 'binary' },
      headers: {
        'Content-Disposition': {
          description: `attachment; filename="${fileName}"`,
          required: true,
          schema: { type: 'string' },
        },
        'Content-Length': {
          description: 'The file length, as the report gives it (bytes).',
          required: true,
          schema: { type: 'integer' },
        },
      },
    }),
  );

@ApiTags('reports')
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Post()
  @HttpCode(202)
  @Access(REQUESTERS)
  @ApiOperation({
    summary:
      'Request a report (decision evidence, case file or period audit): pins a signed checkpoint and queues the build',
  })
  @ApiAcceptedResponse({
    type: ReportResponseDto,
    description: 'The report, queued: follow its status at GET /v1/reports/{reportId}.',
  })
  request(
    @CurrentPrincipal() p: Principal,
    @Body() body: CreateReportDto,
  ): Promise<ReportResponseDto> {
    return this.reports.request(p, body);
  }

  @Get()
  @Access(READERS)
  @ApiOperation({ summary: 'Reports of the tenant, newest first (keyset pagination)' })
  @ApiOkResponse({ type: ReportPageResponseDto })
  list(
    @CurrentPrincipal() p: Principal,
    @Query() query: ListReportsDto,
  ): Promise<ReportPageResponseDto> {
    return this.reports.list(p, query);
  }

  @Get(':reportId')
  @Access(READERS)
  @ApiOperation({ summary: "A report: its scope, its build's status and progress, its files" })
  @ApiOkResponse({ type: ReportResponseDto })
  get(
    @CurrentPrincipal() p: Principal,
    @IdParam('reportId') id: string,
  ): Promise<ReportResponseDto> {
    return this.reports.get(p, id);
  }

  @Get(':reportId/pdf')
  @Access(READERS)
  @ReportFile('application/pdf', 'report-{reportId}.pdf')
  @ApiOperation({ summary: "The report's PDF (the read is logged first)" })
  @ApiResponse({ status: 410, description: WITHDRAWN })
  async pdf(@CurrentPrincipal() p: Principal, @IdParam('reportId') id: string) {
    return file(await this.reports.download(p, id, 'pdf'));
  }

  @Get(':reportId/evidence')
  @Access(READERS)
  @ReportFile('application/zip', 'evidence-{reportId}.zip')
  @ApiOperation({
    summary: "The report's evidence package, for `audit-verify package` (the read is logged first)",
  })
  @ApiResponse({ status: 410, description: WITHDRAWN })
  async evidence(@CurrentPrincipal() p: Principal, @IdParam('reportId') id: string) {
    return file(await this.reports.download(p, id, 'evidence'));
  }
}

function file(download: ReportDownload): StreamableFile {
  return new StreamableFile(download.stream, {
    type: download.contentType,
    length: download.bytes,
    disposition: `attachment; filename="${download.fileName}"`,
  });
}
