import { Body, Controller, Get, Header, Post, Query, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from 'src/access/access';
import { IdParam } from 'src/common/id-param';
import { CreateReviewDto, EraseRecordDto } from 'src/records/records.dto';
import { RecordsService } from 'src/records/records.service';
import { ExplorerService, MAX_EXPORT_ROWS } from 'src/portal/explorer.service';
import { ADMINS, Caller, EDITORS, PEOPLE, PortalCaller } from 'src/portal/portal-caller';
import { PortalErrorFilter } from 'src/portal/portal-error.filter';
import { readForm } from 'src/portal/portal-forms';
import { blockHtml, heatStyle } from 'src/portal/report-html';
import { frameFor, PortalViews } from 'src/portal/portal-views';
import { RecordPageService } from 'src/portal/record-page.service';
import { ValidationFailedError } from 'src/common/domain-error';

type Form = Record<string, unknown>;

/** The generations explorer, one generation's page, and what people add to a record. */
@ApiExcludeController()
@Controller('generations')
@UseFilters(PortalErrorFilter)
export class PortalRecordsController {
  constructor(
    private readonly explorer: ExplorerService,
    private readonly recordPage: RecordPageService,
    private readonly records: RecordsService,
    private readonly views: PortalViews,
  ) {}

  @Get()
  @Access(PEOPLE)
  @Header('Cache-Control', 'no-store')
  async list(@Caller() c: PortalCaller, @Query() raw: Form, @Res() res: Response) {
    const filters = this.explorer.filtersOf(raw);
    const cursor = typeof raw.cursor === 'string' && raw.cursor !== '' ? raw.cursor : undefined;
    const { query, problems } = this.explorer.searchOf(filters, cursor);
    const page = query
      ? await this.explorer.page(c.principal, query)
      : { rows: [], nextCursor: null };
    const names = await this.explorer.applicationNames(c.principal.tenantId);
    res
      .status(problems.length ? 422 : 200)
      .type('html')
      .send(
        this.views.render(
          'generations',
          frameFor(c.principal, c.csrf, 'Generations', 'generations'),
          {
            filters,
            problems,
            rows: page.rows,
            nextHref: page.nextCursor
              ? `/generations${this.explorer.queryOf(filters, { cursor: page.nextCursor })}`
              : null,
            firstHref: cursor ? `/generations${this.explorer.queryOf(filters)}` : null,
            exportHref: `/generations/export.csv${this.explorer.queryOf(filters)}`,
            orderHref: `/generations${this.explorer.queryOf({ ...filters, order: filters.order === 'oldest' ? '' : 'oldest' })}`,
            applications: [...names].map(([id, name]) => ({ id, name })),
            concepts: this.explorer.concepts(),
            maxExport: MAX_EXPORT_ROWS,
            scripts: ['saved-filters.js'],
          },
        ),
      );
  }

  @Get('export.csv')
  @Access(PEOPLE)
  async export(@Caller() c: PortalCaller, @Query() raw: Form, @Res() res: Response) {
    const { query, problems } = this.explorer.searchOf(this.explorer.filtersOf(raw));
    if (!query) throw new ValidationFailedError(problems);
    const { rows, truncated } = await this.explorer.exportRows(c.principal, query);
    const header = [
      'record_id',
      'log_index',
      'time',
      'application',
      'purpose',
      'case_id',
      'provenance',
      'policy_outcome',
    ];
    const lines = [header.join(',')];
    for (const r of rows) {
      lines.push(
        [
          r.id,
          String(r.logIndex),
          r.time,
          r.application,
          r.purpose,
          r.caseId,
          r.provenance,
          r.policyOutcome,
        ]
          .map(csvCell)
          .join(','),
      );
    }
    res
      .status(200)
      .set('Content-Type', 'text/csv; charset=utf-8')
      .set('Content-Disposition', 'attachment; filename="generations.csv"')
      .set('Cache-Control', 'no-store')
      .set('X-Export-Truncated', truncated ? 'true' : 'false')
      .send(`${lines.join('\r\n')}\r\n`);
  }

  @Get(':recordId')
  @Access(PEOPLE)
  @Header('Cache-Control', 'no-store')
  async detail(
    @Caller() c: PortalCaller,
    @IdParam('recordId') id: string,
    @Query('notice') notice: string | undefined,
    @Res() res: Response,
  ) {
    const view = await this.recordPage.view(c.principal, id);
    const frame = frameFor(c.principal, c.csrf, `Record ${view.body.logIndex}`, 'generations');
    if (notice === 'reviewed')
      frame.notice = { kind: 'info', text: 'Your entry is signed and in the log.' };
    if (notice === 'erased')
      frame.notice = {
        kind: 'info',
        text: "The record's text is erased; its commitments and proofs remain.",
      };
    res
      .status(200)
      .type('html')
      .send(
        this.views.render('generation', frame, {
          ...view,
          entryJson: JSON.stringify(view.record.entry).replace(/</g, '\\u003c'),
          identityHtml: view.identity.map(blockHtml).join('\n'),
          heatStyle,
          scripts: ['heatmap.js', 'verify.js'],
        }),
      );
  }

  @Post(':recordId/reviews')
  @Access(EDITORS)
  async review(
    @Caller() c: PortalCaller,
    @IdParam('recordId') id: string,
    @Body() body: Form,
    @Res() res: Response,
  ) {
    const { value, problems } = readForm(CreateReviewDto, body);
    if (problems.length) throw new ValidationFailedError(problems);
    await this.records.review(c.principal, id, value);
    res.redirect(303, `/generations/${id}?notice=reviewed#thread`);
  }

  @Post(':recordId/erasure')
  @Access(ADMINS)
  async erase(
    @Caller() c: PortalCaller,
    @IdParam('recordId') id: string,
    @Body() body: Form,
    @Res() res: Response,
  ) {
    const { value, problems } = readForm(EraseRecordDto, body);
    if (problems.length) throw new ValidationFailedError(problems);
    await this.records.erase(c.principal, id, value);
    res.redirect(303, `/generations/${id}?notice=erased`);
  }
}

/** A CSV cell (RFC 4180), with formula-leading characters neutralised for spreadsheets. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
