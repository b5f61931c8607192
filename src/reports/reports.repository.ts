import { Injectable } from '@nestjs/common';
import { TenantDatabase } from 'src/database/tenant-database';
import { ReportKind, ReportScope } from 'src/evidence-format/evidence-package';

export interface ReportRow {
  id: string;
  tenantId: string;
  kind: ReportKind;
  scope: ReportScope;
  requestedBy: string;
  requestedAt: Date;
  jobId: string;
  checkpointSize: number;
  previousReportId: string | null;
  pdf: StoredFile | null;
  evidence: StoredFile | null;
  recordCount: number | null;
  completedAt: Date | null;
}

export interface StoredFile {
  key: string;
  sha256: string;
  bytes: number;
}

export type NewReport = Pick<
  ReportRow,
  | 'id'
  | 'kind'
  | 'scope'
  | 'requestedBy'
  | 'requestedAt'
  | 'jobId'
  | 'checkpointSize'
  | 'previousReportId'
>;

interface Row {
  id: string;
  tenant_id: string;
  kind: ReportKind;
  scope: ReportScope;
  requested_by: string;
  requested_at: Date;
  job_id: string;
  checkpoint_size: string;
  previous_report_id: string | null;
  pdf_key: string | null;
  pdf_sha256: Buffer | null;
  pdf_bytes: string | null;
  evidence_key: string | null;
  evidence_sha256: Buffer | null;
  evidence_bytes: string | null;
  record_count: number | null;
  completed_at: Date | null;
}

/**
 * The reports table, always inside the tenant's transaction (row-level security). A row is
 * written when the report is requested and completed once, when its artifacts are stored; the
 * database refuses any other change (migration CreateReports).
 */
@Injectable()
export class ReportsRepository {
  constructor(private readonly db: TenantDatabase) {}

  async insert(tenantId: string, report: NewReport): Promise<void> {
    await this.db.run(tenantId, (m) =>
      m.query(
        `INSERT INTO reports (id, tenant_id, kind, scope, requested_by, requested_at, job_id,
                              checkpoint_size, previous_report_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          report.id,
          tenantId,
          report.kind,
          JSON.stringify(report.scope),
          report.requestedBy,
          report.requestedAt,
          report.jobId,
          report.checkpointSize,
          report.previousReportId,
        ],
      ),
    );
  }

  async findById(tenantId: string, id: string): Promise<ReportRow | null> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<Row[]>(`SELECT * FROM reports WHERE id = $1`, [id]),
    );
    return rows[0] ? toReport(rows[0]) : null;
  }

  /** Newest first, a keyset page after (requestedAt, id) when given. */
  async list(
    tenantId: string,
    page: { after?: { requestedAt: Date; id: string }; limit: number },
  ): Promise<ReportRow[]> {
    const rows = await this.db.run(tenantId, (m) =>
      page.after
        ? m.query<Row[]>(
            `SELECT * FROM reports WHERE (requested_at, id) < ($1, $2)
              ORDER BY requested_at DESC, id DESC LIMIT $3`,
            [page.after.requestedAt, page.after.id, page.limit],
          )
        : m.query<Row[]>(`SELECT * FROM reports ORDER BY requested_at DESC, id DESC LIMIT $1`, [
            page.limit,
          ]),
    );
    return rows.map(toReport);
  }

  /** Sets the artifacts once; false when the report was already complete (a retried build). */
  async complete(
    tenantId: string,
    id: string,
    done: { pdf: StoredFile; evidence: StoredFile; recordCount: number; completedAt: Date },
  ): Promise<boolean> {
    // TypeORM's raw query returns [rows, affected] for UPDATE ... RETURNING on PostgreSQL.
    const [rows] = await this.db.run(tenantId, (m) =>
      m.query<[{ id: string }[], number]>(
        `UPDATE reports SET pdf_key = $2, pdf_sha256 = $3, pdf_bytes = $4, evidence_key = $5,
                evidence_sha256 = $6, evidence_bytes = $7, record_count = $8, completed_at = $9
          WHERE id = $1 AND completed_at IS NULL RETURNING id`,
        [
          id,
          done.pdf.key,
          Buffer.from(done.pdf.sha256, 'hex'),
          done.pdf.bytes,
          done.evidence.key,
          Buffer.from(done.evidence.sha256, 'hex'),
          done.evidence.bytes,
          done.recordCount,
          done.completedAt,
        ],
      ),
    );
    return rows.length === 1;
  }
}

function toReport(row: Row): ReportRow {
  const file = (key: string | null, sha: Buffer | null, bytes: string | null) =>
    key && sha && bytes !== null
      ? { key, sha256: sha.toString('hex'), bytes: Number(bytes) }
      : null;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind,
    scope: row.scope,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    jobId: row.job_id,
    checkpointSize: Number(row.checkpoint_size),
    previousReportId: row.previous_report_id,
    pdf: file(row.pdf_key, row.pdf_sha256, row.pdf_bytes),
    evidence: file(row.evidence_key, row.evidence_sha256, row.evidence_bytes),
    recordCount: row.record_count,
    completedAt: row.completed_at,
  };
}
