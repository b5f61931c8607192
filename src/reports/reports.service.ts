import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Principal } from 'src/access/principal';
import { ApplicationsService } from 'src/applications/applications.service';
import { ArtifactStore } from 'src/artifacts/artifact-store';
import { AppConfig } from 'src/config/app-config';
import {
  DomainError,
  FieldProblem,
  NotFoundError,
  ValidationFailedError,
} from 'src/common/domain-error';
import { TenantDatabase } from 'src/database/tenant-database';
import { decodeCursor, encodeCursor } from 'src/common/keyset-cursor';
import { SCHEMA_VERSION } from 'src/evidence-format/entry';
import { ReportScope } from 'src/evidence-format/evidence-package';
import { JobStatus } from 'src/jobs/job.entity';
import { JobsService } from 'src/jobs/jobs.service';
import { LogService } from 'src/log/log.service';
import { LogWriter } from 'src/log/log-writer';
import { RecordNotCommittedError } from 'src/records/records.errors';
import { RecordsService } from 'src/records/records.service';
import { byteSizes } from 'src/reports/byte-sizes';
import { REPORT_BUILD_JOB } from 'src/reports/reports.constants';
import { CreateReportDto, ListReportsDto } from 'src/reports/reports.dto';
import {
  ReportArtifactAlteredError,
  ReportNotReadyError,
  ReportWithdrawnError,
} from 'src/reports/reports.errors';
import { ReportRow, ReportsRepository } from 'src/reports/reports.repository';

/**
 * The most records a case file gives a decision card each (five pages or so a card). A case with
 * more is refused: a PDF of thousands of pages helps no reviewer, and its rendering would not
 * fit a worker's memory. Its records are all in a period audit's package.
 */
export const MAX_CASE_FILE_RECORDS = 250;

/** The longest period one audit report covers. */
const MAX_PERIOD_MS = 5 * 366 * 86_400_000;

export interface ReportView {
  id: string;
  kind: ReportRow['kind'];
  scope: ReportScope;
  /** The build job; its status and progress are given here. */
  jobId: string;
  requestedBy: string;
  requestedAt: string;
  checkpointSize: number;
  previousReportId: string | null;
  status: JobStatus;
  progress: number;
  progressMessage: string | null;
  error: string | null;
  recordCount: number | null;
  completedAt: string | null;
  /** Null while it is being built, and once withdrawn. */
  pdf: { sha256: string; bytes: number; href: string } | null;
  evidence: { sha256: string; bytes: number; href: string } | null;
  /**
   * Set when a record whose text the report showed was erased: its files are deleted and no
   * longer served; a new request builds one without that text.
   */
  withdrawn: { recordId: string; erasedAt: string } | null;
}

export interface ReportDownload {
  fileName: string;
  contentType: string;
  sha256: string;
  bytes: number;
  stream: Readable;
}

/**
 * Reports as people and applications ask for them: a request pins what the report covers (its
 * scope, its clock and a signed checkpoint) and queues the build in the same transaction; a
 * download is logged as a read before a byte is served, and a stored file that no longer matches
 * its recorded SHA-256 is refused.
 */
@Injectable()
export class ReportsService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(ReportsService.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly reports: ReportsRepository,
    private readonly jobs: JobsService,
    private readonly log: LogService,
    private readonly writer: LogWriter,
    private readonly records: RecordsService,
    private readonly applications: ApplicationsService,
    private readonly artifacts: ArtifactStore,
    private readonly config: AppConfig,
  ) {}

  async request(principal: Principal, dto: CreateReportDto): Promise<ReportView> {
    const { tenantId } = principal;
    const scope = await this.scopeOf(tenantId, dto);
    const previous = dto.previousReportId
      ? await this.requireCompleted(tenantId, dto.previousReportId, 'previousReportId')
      : null;
    const id = randomUUID();
    // The request itself is in the log (who asked for what), and inside the checkpoint it pins.
    await this.appendAccess(principal, id, 'report-request', { reportKind: dto.kind, scope });
    const checkpoint = await this.log.issueCheckpoint(tenantId);
    // Whole seconds (a rebuilt PDF and package carry the same time), rounded up: the package's
    // generatedAt must not precede the signing key's validFrom, and a key that came into
    // service earlier in this second would otherwise fail its own package's key window.
    const requestedAt = new Date(Math.ceil(Date.now() / 1000) * 1000);
    const job = await this.db.run(tenantId, async () => {
      const queued = await this.jobs.insert(REPORT_BUILD_JOB, { reportId: id }, tenantId);
      await this.reports.insert(tenantId, {
        id,
        kind: dto.kind,
        scope,
        requestedBy: requesterId(principal),
        requestedAt,
        jobId: queued.id,
        checkpointSize: checkpoint.size,
        previousReportId: previous?.id ?? null,
      });
      return queued;
    });
    await this.jobs.send(job);
    return this.get(principal, id);
  }

  async get(principal: Principal, id: string): Promise<ReportView> {
    const report = await this.reports.findById(principal.tenantId, id);
    if (!report) throw new NotFoundError('report', id);
    return this.view(report);
  }

  async list(principal: Principal, query: ListReportsDto) {
    const limit = query.limit ?? 20;
    const rows = await this.reports.list(principal.tenantId, {
      after: query.cursor ? afterCursor(query.cursor) : undefined,
      limit,
    });
    const last = rows[rows.length - 1];
    return {
      reports: await Promise.all(rows.map((r) => this.view(r))),
      nextCursor: rows.length === limit && last ? encodeCursor(last.requestedAt, last.id) : null,
    };
  }

  /** A report's PDF or evidence package: the read is logged first, then the checked bytes served. */
  async download(
    principal: Principal,
    id: string,
    file: 'pdf' | 'evidence',
  ): Promise<ReportDownload> {
    const report = await this.reports.findById(principal.tenantId, id);
    if (!report) throw new NotFoundError('report', id);
    if (report.withdrawal) {
      await this.deleteFiles([report.pdf?.key, report.evidence?.key]);
      const { recordId, erasedAt } = report.withdrawal;
      throw new ReportWithdrawnError(id, recordId, erasedAt);
    }
    const stored = file === 'pdf' ? report.pdf : report.evidence;
    if (!stored) {
      const job = await this.jobs.get(report.jobId, principal.tenantId);
      throw new ReportNotReadyError(id, job.status);
    }
    const actual = await this.artifacts.digest(stored.key);
    if (!actual || actual.sha256 !== stored.sha256 || actual.bytes !== stored.bytes) {
      this.logger.error({ reportId: id, key: stored.key }, 'stored artifact does not match');
      throw new ReportArtifactAlteredError(id, file === 'pdf' ? 'PDF' : 'evidence package');
    }
    await this.appendAccess(principal, id, 'report-download', {
      file,
      sha256: stored.sha256,
    });
    const stream = await this.artifacts.open(stored.key);
    const hash = createHash('sha256');
    // The bytes are hashed as they leave: a file changed after the check ends the response with
    // an error rather than completing it with other bytes.
    const checked = Readable.from(
      (async function* () {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          hash.update(chunk);
          yield chunk;
        }
        if (hash.digest('hex') !== stored.sha256) {
          throw new Error(`artifact ${stored.key} changed while it was served`);
        }
      })(),
    );
    const name = file === 'pdf' ? `report-${id}.pdf` : `evidence-${id}.zip`;
    return {
      fileName: name,
      contentType: file === 'pdf' ? 'application/pdf' : 'application/zip',
      sha256: stored.sha256,
      bytes: stored.bytes,
      stream: checked,
    };
  }

  private async view(report: ReportRow): Promise<ReportView> {
    const job = await this.jobs.get(report.jobId, report.tenantId);
    const link = (f: 'pdf' | 'evidence', s: ReportRow['pdf']) =>
      s && !report.withdrawal
        ? { sha256: s.sha256, bytes: s.bytes, href: `/v1/reports/${report.id}/${f}` }
        : null;
    return {
      id: report.id,
      kind: report.kind,
      scope: report.scope,
      jobId: report.jobId,
      requestedBy: report.requestedBy,
      requestedAt: report.requestedAt.toISOString(),
      checkpointSize: report.checkpointSize,
      previousReportId: report.previousReportId,
      status: report.completedAt ? 'succeeded' : job.status,
      progress: report.completedAt ? 100 : job.progress,
      progressMessage: job.progressMessage ?? null,
      error: job.error ?? null,
      recordCount: report.recordCount,
      completedAt: report.completedAt?.toISOString() ?? null,
      pdf: link('pdf', report.pdf),
      evidence: link('evidence', report.evidence),
      withdrawn: report.withdrawal && {
        recordId: report.withdrawal.recordId,
        erasedAt: report.withdrawal.erasedAt.toISOString(),
      },
    };
  }

  /**
   * After an erasure: deletes the files of every report that showed the record's text (they are
   * withdrawn from then on, whatever this step achieves: a download checks the erasure itself).
   */
  async withdrawShowing(tenantId: string, recordId: string): Promise<number> {
    const keys = await this.reports.filesShowing(tenantId, recordId);
    await this.deleteFiles(keys);
    return keys.length;
  }

  /** At start-up: deletes files of withdrawn reports that an interrupted erasure left behind. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      const deleted = await this.deleteFiles(await this.reports.withdrawnFiles());
      if (deleted > 0) this.logger.log(`deleted ${deleted} files of withdrawn reports`);
    } catch (error) {
      this.logger.warn(`withdrawn reports: start-up pass failed: ${(error as Error).message}`);
    }
  }

  onModuleInit(): void {
    this.records.afterErasure((tenantId, recordId) => this.withdrawShowing(tenantId, recordId));
  }

  /** Deletes these artifacts (absent ones are fine); returns how many were there. */
  private async deleteFiles(keys: readonly (string | undefined)[]): Promise<number> {
    let deleted = 0;
    for (const key of keys) if (key && (await this.artifacts.remove(key))) deleted += 1;
    return deleted;
  }

  /** The request's scope, checked for its kind; the record or applications must exist. */
  private async scopeOf(tenantId: string, dto: CreateReportDto): Promise<ReportScope> {
    const problems: FieldProblem[] = [];
    const refuse = (field: string, problem: string) =>
      problems.push({ field, problems: [problem] });
    const given = (
      ['recordId', 'caseId', 'subjectRef', 'applicationIds', 'from', 'to'] as const
    ).filter((f) => dto[f] !== undefined);
    const allowed: Record<CreateReportDto['kind'], string[]> = {
      'decision-evidence': ['recordId'],
      'case-file': ['caseId', 'subjectRef'],
      'period-audit': ['applicationIds', 'from', 'to'],
    };
    for (const field of given) {
      if (!allowed[dto.kind].includes(field)) refuse(field, `is not part of a ${dto.kind} request`);
    }
    let scope: ReportScope;
    if (dto.kind === 'decision-evidence') {
      if (!dto.recordId) refuse('recordId', 'is required for a decision-evidence report');
      scope = { recordId: dto.recordId };
    } else if (dto.kind === 'case-file') {
      if ((dto.caseId === undefined) === (dto.subjectRef === undefined)) {
        refuse('caseId', 'give exactly one of caseId and subjectRef');
      }
      scope = dto.caseId !== undefined ? { caseId: dto.caseId } : { subjectRef: dto.subjectRef };
    } else {
      const from = dto.from ? new Date(dto.from) : null;
      const to = dto.to ? new Date(dto.to) : null;
      if (!from) refuse('from', 'is required for a period-audit report');
      if (!to) refuse('to', 'is required for a period-audit report');
      if (from && to && !(from < to)) refuse('to', 'must be after from');
      if (from && to && to.getTime() - from.getTime() > MAX_PERIOD_MS) {
        refuse('to', 'a period audit covers at most five years');
      }
      const applicationIds = [...new Set(dto.applicationIds ?? [])].sort();
      scope = {
        applicationIds,
        from: from?.toISOString(),
        to: to?.toISOString(),
      };
      if (problems.length === 0) {
        for (const appId of applicationIds) {
          if (!(await this.applications.findApplication(tenantId, appId))) {
            refuse('applicationIds', `application ${appId} does not exist in this tenant`);
          }
        }
      }
    }
    if (problems.length === 0 && dto.kind === 'case-file') {
      const records = await this.records.countInScope(
        tenantId,
        { caseId: scope.caseId, subjectRef: scope.subjectRef },
        MAX_CASE_FILE_RECORDS,
      );
      if (records > MAX_CASE_FILE_RECORDS) {
        refuse(
          scope.caseId !== undefined ? 'caseId' : 'subjectRef',
          `names more than ${MAX_CASE_FILE_RECORDS} records, the most a case file shows as decision cards: ask for a period audit of its applications and period instead`,
        );
      }
    }
    if (problems.length === 0 && dto.kind !== 'decision-evidence') {
      // The records' signed bodies alone are a lower bound of what the package carries: refused
      // now, the build would read every record and then stop at the same limit.
      const limit = this.config.REPORT_PACKAGE_MAX_BYTES;
      const period = dto.kind === 'period-audit';
      const { records, bytes } = await this.records.bodyBytesInScope(
        tenantId,
        period
          ? {
              applicationIds: scope.applicationIds?.length ? scope.applicationIds : undefined,
              from: new Date(scope.from as string),
              to: new Date(scope.to as string),
            }
          : { caseId: scope.caseId, subjectRef: scope.subjectRef },
      );
      if (bytes > limit) {
        const [size, most] = byteSizes(bytes, limit);
        refuse(
          period ? 'to' : scope.caseId !== undefined ? 'caseId' : 'subjectRef',
          `the ${period ? 'period' : 'case'} holds ${records.toLocaleString('en-US')} records with ${size} of signed bodies, more than an evidence package may carry (${most}, REPORT_PACKAGE_MAX_BYTES): request ${period ? 'a shorter period or fewer applications' : 'decision evidence for its records one by one'}`,
        );
      }
    }
    if (problems.length > 0) throw new ValidationFailedError(problems);
    if (scope.recordId && !(await this.records.exists(tenantId, scope.recordId))) {
      throw new NotFoundError('record', scope.recordId);
    }
    return scope;
  }

  private async requireCompleted(tenantId: string, id: string, field: string): Promise<ReportRow> {
    const report = await this.reports.findById(tenantId, id);
    if (!report) throw new NotFoundError('report', id);
    if (!report.completedAt) {
      throw new ValidationFailedError([
        {
          field,
          problems: [
            `report ${id} is not complete: only a completed report has a package to extend`,
          ],
        },
      ]);
    }
    return report;
  }

  private async appendAccess(
    principal: Principal,
    reportId: string,
    action: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.writer.append(principal.tenantId, {
        kind: 'access',
        subjectId: reportId,
        body: {
          schemaVersion: SCHEMA_VERSION,
          kind: 'access',
          action,
          report: { id: reportId },
          by:
            principal.kind === 'user'
              ? { userId: principal.userId, role: principal.role }
              : { applicationId: principal.applicationId, role: 'application' },
          ...details,
        },
      });
    } catch (error) {
      if (error instanceof DomainError) throw error;
      this.logger.error(`report ${action} entry not committed: ${(error as Error).message}`);
      throw new RecordNotCommittedError();
    }
  }
}

function requesterId(principal: Principal): string {
  return principal.kind === 'user' ? principal.userId : principal.applicationId;
}

function afterCursor(cursor: string): { requestedAt: Date; id: string } {
  const { time, id } = decodeCursor(cursor);
  return { requestedAt: time, id };
}
