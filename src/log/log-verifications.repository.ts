import { Injectable } from '@nestjs/common';
import { TenantDatabase } from 'src/database/tenant-database';

export interface LogVerificationRow {
  id: string;
  jobId: string;
  requestedBy: string;
  requestedAt: Date;
  completedAt: Date | null;
  logSize: number | null;
  recordsChecked: number | null;
  problems: string[] | null;
}

interface Row {
  id: string;
  job_id: string;
  requested_by: string;
  requested_at: Date;
  completed_at: Date | null;
  log_size: string | null;
  records_checked: number | null;
  problems: string[] | null;
}

const toRow = (r: Row): LogVerificationRow => ({
  id: r.id,
  jobId: r.job_id,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  completedAt: r.completed_at,
  logSize: r.log_size === null ? null : Number(r.log_size),
  recordsChecked: r.records_checked,
  problems: r.problems,
});

/** The log_verifications table, inside the tenant's transaction (row-level security). */
@Injectable()
export class LogVerificationsRepository {
  constructor(private readonly db: TenantDatabase) {}

  async insert(
    tenantId: string,
    v: Pick<LogVerificationRow, 'id' | 'jobId' | 'requestedBy' | 'requestedAt'>,
  ): Promise<void> {
    await this.db.run(tenantId, (m) =>
      m.query(
        `INSERT INTO log_verifications (id, tenant_id, job_id, requested_by, requested_at)
         VALUES ($1, $2, $3, $4, $5)`,
        [v.id, tenantId, v.jobId, v.requestedBy, v.requestedAt],
      ),
    );
  }

  async findById(tenantId: string, id: string): Promise<LogVerificationRow | null> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<Row[]>(`SELECT * FROM log_verifications WHERE id = $1`, [id]),
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Newest first. */
  async latest(tenantId: string, limit: number): Promise<LogVerificationRow[]> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<Row[]>(
        `SELECT * FROM log_verifications ORDER BY requested_at DESC, id DESC LIMIT $1`,
        [limit],
      ),
    );
    return rows.map(toRow);
  }

  /** Sets the result once; false when it was already set (a retried job). */
  async complete(
    tenantId: string,
    id: string,
    result: { logSize: number; recordsChecked: number; problems: string[]; completedAt: Date },
  ): Promise<boolean> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ id: string }[]>(
        `UPDATE log_verifications SET completed_at = $2, log_size = $3, records_checked = $4, problems = $5
          WHERE id = $1 AND completed_at IS NULL RETURNING id`,
        [
          id,
          result.completedAt,
          result.logSize,
          result.recordsChecked,
          JSON.stringify(result.problems),
        ],
      ),
    );
    return rows.length > 0;
  }
}
