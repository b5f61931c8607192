import { Body, Controller, Get, Header, Post, Query, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from 'src/access/access';
import { ValidationFailedError } from 'src/common/domain-error';
import { LogVerificationsService } from 'src/log/log-verifications.service';
import { CreateReportDto, ListReportsDto } from 'src/reports/reports.dto';
import { ReportsService } from 'src/reports/reports.service';
import { DashboardService } from 'src/portal/dashboard.service';
import { ExplorerService } from 'src/portal/explorer.service';
import { Caller, EDITORS, PEOPLE, PortalCaller } from 'src/portal/portal-caller';
import { PortalErrorFilter } from 'src/portal/portal-error.filter';
import { dayStart, readForm } from 'src/portal/portal-forms';
import { frameFor, PortalViews } from 'src/portal/portal-views';

type Form = Record<string, unknown>;

const NOTICES: Record<string, string> = {
  'password-changed': 'Your password is changed. Your other sessions have ended.',
};

/** The dashboard and the reports page. */
@ApiExcludeController()
@Controller()
@UseFilters(PortalErrorFilter)
export class PortalPagesController {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly reports: ReportsService,
    private readonly explorer: ExplorerService,
    private readonly verifications: LogVerificationsService,
    private readonly views: PortalViews,
  ) {}

  @Get()
  @Access(PEOPLE)
  @Header('Cache-Control', 'no-store')
  async home(
    @Caller() c: PortalCaller,
    @Query('notice') notice: string | undefined,
    @Res() res: Response,
  ) {
    const [view, verifications] = await Promise.all([
      this.dashboard.view(c.principal.tenantId),
      this.verifications.latest(c.principal.tenantId, 1),
    ]);
    const frame = frameFor(c.principal, c.csrf, 'Dashboard', 'dashboard');
    if (notice && NOTICES[notice]) frame.notice = { kind: 'info', text: NOTICES[notice] };
    res.type('html').send(
      this.views.render('dashboard', frame, {
        ...view,
        verification: verifications[0] ?? null,
        scripts: ['log-verify.js'],
      }),
    );
  }

  @Post('log-verifications')
  @Access(EDITORS)
  async verifyLog(@Caller() c: PortalCaller, @Res() res: Response) {
    await this.verifications.request(c.principal);
    res.redirect(303, '/#log-verification');
  }

  @Get('reports')
  @Access(PEOPLE)
  @Header('Cache-Control', 'no-store')
  async reportsPage(@Caller() c: PortalCaller, @Query() raw: Form, @Res() res: Response) {
    const { value, problems } = readForm(ListReportsDto, { cursor: raw.cursor, limit: '20' });
    if (problems.length) throw new ValidationFailedError(problems);
    const [page, names] = await Promise.all([
      this.reports.list(c.principal, value),
      this.explorer.applicationNames(c.principal.tenantId),
    ]);
    const frame = frameFor(c.principal, c.csrf, 'Reports', 'reports');
    if (typeof raw.requested === 'string') {
      frame.notice = {
        kind: 'info',
        text: 'Your report is requested; the worker is building it. This page follows its progress.',
      };
    }
    res.type('html').send(
      this.views.render('reports', frame, {
        reports: page.reports.map((r) => ({ ...r, scopeText: scopeText(r.scope) })),
        nextHref: page.nextCursor ? `/reports?cursor=${encodeURIComponent(page.nextCursor)}` : null,
        applications: [...names].map(([id, name]) => ({ id, name })),
        today: new Date().toISOString().slice(0, 10),
        monthAgo: new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10),
        scripts: ['report-progress.js'],
      }),
    );
  }

  @Post('reports')
  @Access(EDITORS)
  async requestReport(@Caller() c: PortalCaller, @Body() body: Form, @Res() res: Response) {
    const kind = body.kind;
    const apps = body.applicationIds;
    const fields: Form = { kind };
    if (kind === 'period-audit') {
      fields.from = dayStart(body.from) ?? body.from;
      fields.to = dayStart(body.to, 1) ?? body.to;
      if (apps !== undefined && apps !== '')
        fields.applicationIds = Array.isArray(apps) ? apps : [apps];
    } else if (kind === 'decision-evidence') {
      fields.recordId = body.recordId;
    } else if (kind === 'case-file') {
      fields.caseId = body.caseId;
      fields.subjectRef = body.subjectRef;
    }
    const { value, problems } = readForm(CreateReportDto, fields);
    if (problems.length) throw new ValidationFailedError(problems);
    const report = await this.reports.request(c.principal, value);
    res.redirect(303, `/reports?requested=${report.id}#report-${report.id}`);
  }
}

/** What a report covers, as a reviewer reads it (a period's end is shown as its last day). */
function scopeText(scope: {
  from?: string;
  to?: string;
  caseId?: string;
  subjectRef?: string;
  recordId?: string;
}): string {
  if (scope.from && scope.to) {
    const last = new Date(Date.parse(scope.to) - 1).toISOString().slice(0, 10);
    return `${scope.from.slice(0, 10)} to ${last} (UTC days, inclusive)`;
  }
  if (scope.caseId) return `case ${scope.caseId}`;
  if (scope.subjectRef) return `subject ${scope.subjectRef}`;
  return scope.recordId ? `record ${scope.recordId}` : '';
}
