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
  /** Set when a record whose text the report shows was erased: its files are withdrawn. */
  withdrawal: Withdrawal | null;
}

export interface Withdrawal {
  /** The first erased record whose text the report showed. */
  recordId: string;
  erasedAt: Date;
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
  withdrawal: { recordId: string; erasedAt: string } | null;
}

/** A report row with its withdrawal: the first erasure of a record whose text it shows. */
const SELECT_REPORTS = `SELECT r.*, w.withdrawal FROM reports r
  LEFT JOIN LATERAL (
    SELECT jsonb_build_object('recordId', e.subject_id, 'erasedAt', e.created_at) AS withdrawal
      FROM report_texts rt
      JOIN log_entries e ON e.tenant_id = rt.tenant_id AND e.kind = 'erasure'
                        AND e.subject_id = rt.record_id
     WHERE rt.report_id = r.id
     ORDER BY e.log_index LIMIT 1) w ON true`;

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
      m.query<Row[]>(`${SELECT_REPORTS} WHERE r.id = $1`, [id]),
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
            `${SELECT_REPORTS} WHERE (r.requested_at, r.id) < ($1, $2)
              ORDER BY r.requested_at DESC, r.id DESC LIMIT $3`,
            [page.after.requestedAt, page.after.id, page.limit],
          )
        : m.query<Row[]>(`${SELECT_REPORTS} ORDER BY r.requested_at DESC, r.id DESC LIMIT $1`, [
            page.limit,
          ]),
    );
    return rows.map(toReport);
  }

  /**
   * Sets the artifacts once, with the records whose text they show; false when the report was
   * already complete (a retried build).
   */
  async complete(
    tenantId: string,
    id: string,
    done: {
      pdf: StoredFile;
      evidence: StoredFile;
      recordCount: number;
      completedAt: Date;
      textRecordIds: readonly string[];
    },
  ): Promise<boolean> {
    // TypeORM's raw query returns [rows, affected] for UPDATE ... RETURNING on PostgreSQL.
    const [rows] = await this.db.run(tenantId, async (m) => {
      await m.query(
        `INSERT INTO report_texts (report_id, tenant_id, record_id)
         SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING`,
        [id, tenantId, done.textRecordIds],
      );
      return m.query<[{ id: string }[], number]>(
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
      );
    });
    return rows.length === 1;
  }

  /** The files of the tenant's reports that show this record's text. */
  async filesShowing(tenantId: string, recordId: string): Promise<string[]> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ pdf_key: string | null; evidence_key: string | null }[]>(
        `SELECT r.pdf_key, r.evidence_key FROM reports r
           JOIN report_texts rt ON rt.report_id = r.id
          WHERE rt.tenant_id = $1 AND rt.record_id = $2`,
        [tenantId, recordId],
      ),
    );
    return rows.flatMap((r) => [r.pdf_key, r.evidence_key].filter((k) => k !== null));
  }

  /** The files of every tenant's withdrawn reports (for the start-up pass). */
  async withdrawnFiles(): Promise<string[]> {
    const rows = await this.db.withoutTenant<
      { pdf_key: string | null; evidence_key: string | null }[]
    >(`SELECT pdf_key, evidence_key FROM withdrawn_report_artifacts()`, []);
    return rows.flatMap((r) => [r.pdf_key, r.evidence_key].filter((k) => k !== null));
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
    withdrawal: row.withdrawal && {
      recordId: row.withdrawal.recordId,
      erasedAt: new Date(row.withdrawal.erasedAt),
    },
  };
}
