import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { UserPrincipal } from 'src/access/principal';
import { NotFoundError } from 'src/common/domain-error';
import { TenantDatabase } from 'src/database/tenant-database';
import { JobStatus } from 'src/jobs/job.entity';
import { JobsService } from 'src/jobs/jobs.service';
import { LogService } from 'src/log/log.service';
import {
  LogVerificationRow,
  LogVerificationsRepository,
} from 'src/log/log-verifications.repository';

export const LOG_VERIFY_JOB = 'log.verify';

export interface LogVerificationView {
  id: string;
  requestedBy: string;
  requestedAt: string;
  status: JobStatus;
  progress: number;
  progressMessage: string | null;
  error: string | null;
  completedAt: string | null;
  /** Entries the verification covered; null until it completes. */
  logSize: number | null;
  recordsChecked: number | null;
  /** What it found wrong (each names its record or checkpoint); empty: the log verified. */
  problems: string[] | null;
}

/**
 * Full verifications of a tenant's log as background jobs: requested by a person, run by the
 * worker with progress in the jobs table, the result kept (the portal's "last full
 * verification"). The synchronous GET /v1/log/verification stays for small logs and scripts.
 */
@Injectable()
export class LogVerificationsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly jobs: JobsService,
    private readonly verifications: LogVerificationsRepository,
    private readonly log: LogService,
  ) {}

  async request(person: UserPrincipal): Promise<LogVerificationView> {
    const { tenantId } = person;
    const id = randomUUID();
    const job = await this.db.run(tenantId, async () => {
      const queued = await this.jobs.insert(LOG_VERIFY_JOB, { verificationId: id }, tenantId);
      await this.verifications.insert(tenantId, {
        id,
        jobId: queued.id,
        requestedBy: person.userId,
        requestedAt: new Date(),
      });
      return queued;
    });
    await this.jobs.send(job);
    return this.get(tenantId, id);
  }

  async get(tenantId: string, id: string): Promise<LogVerificationView> {
    const row = await this.verifications.findById(tenantId, id);
    if (!row) throw new NotFoundError('log_verification', id);
    return this.view(tenantId, row);
  }

  /** The latest verifications, newest first. */
  async latest(tenantId: string, limit = 10): Promise<LogVerificationView[]> {
    const rows = await this.verifications.latest(tenantId, limit);
    return Promise.all(rows.map((r) => this.view(tenantId, r)));
  }

  /** The worker's side: verifies the whole log and keeps the result. */
  async run(
    tenantId: string,
    id: string,
    progress: (percent: number, message: string) => Promise<void>,
  ): Promise<void> {
    const row = await this.verifications.findById(tenantId, id);
    if (!row) throw new NotFoundError('log_verification', id);
    if (row.completedAt) return;
    let reported = -1;
    const result = await this.log.verify(tenantId, (done, total) => {
      // Rebuilding the tree is most of the work; the records' checks follow it.
      const percent = total === 0 ? 90 : Math.floor((done / total) * 90);
      if (percent >= reported + 5) {
        reported = percent;
        void progress(
          percent,
          `checked ${done.toLocaleString('en')} of ${total.toLocaleString('en')} entries`,
        );
      }
    });
    await progress(95, 'keeping the result');
    const records = typeof result.records === 'number' ? result.records : 0;
    await this.verifications.complete(tenantId, id, {
      logSize: result.size,
      recordsChecked: records,
      problems: result.problems,
      completedAt: new Date(),
    });
  }

  private async view(tenantId: string, row: LogVerificationRow): Promise<LogVerificationView> {
    const job = await this.jobs.get(row.jobId, tenantId);
    return {
      id: row.id,
      requestedBy: row.requestedBy,
      requestedAt: row.requestedAt.toISOString(),
      status: row.completedAt ? 'succeeded' : job.status,
      progress: row.completedAt ? 100 : job.progress,
      progressMessage: job.progressMessage ?? null,
      error: job.error ?? null,
      completedAt: row.completedAt?.toISOString() ?? null,
      logSize: row.logSize,
      recordsChecked: row.recordsChecked,
      problems: row.problems,
    };
  }
}
