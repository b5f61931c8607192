import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { TenantDatabase } from 'src/database/tenant-database';
import { JobEntity, JobStatus } from 'src/jobs/job.entity';

export interface NewJob {
  tenantId: string | null;
  queue: string;
  kind: string;
  payload: Record<string, unknown>;
  maxAttempts: number;
}

export interface JobCount {
  kind: string;
  status: JobStatus;
  count: number;
}

/** A job row the sweep found waiting: enough to put it back on the queue. */
export interface QueuedJob {
  id: string;
  tenantId: string | null;
  kind: string;
  maxAttempts: number;
}

/**
 * The jobs table. A tenant's job is read and written inside that tenant's transaction (row-level
 * security hides it from every other tenant); the service's own jobs (no tenant) outside any.
 * Each state change is a single conditional UPDATE, so two deliveries of the same job (a stalled
 * job handed out again, a duplicate add) cannot move a finished job backwards.
 */
@Injectable()
export class JobsRepository {
  constructor(
    @InjectRepository(JobEntity) private readonly jobs: Repository<JobEntity>,
    private readonly db: TenantDatabase,
  ) {}

  insert(job: NewJob): Promise<JobEntity> {
    return this.in(job.tenantId, (m) =>
      m.save(m.create(JobEntity, { ...job, status: 'queued', progress: 0 })),
    );
  }

  findById(tenantId: string | null, id: string): Promise<JobEntity | null> {
    return this.in(tenantId, (m) => m.findOneBy(JobEntity, { id }));
  }

  markRunning(tenantId: string | null, id: string, attempt: number): Promise<JobEntity | null> {
    return this.updateReturning(
      tenantId,
      `UPDATE jobs SET status = 'running', attempts = $2, error = NULL,
              started_at = COALESCE(started_at, now()), updated_at = now()
        WHERE id = $1 AND status IN ('queued', 'retrying', 'running')
        RETURNING *`,
      [id, attempt],
    );
  }

  async setProgress(
    tenantId: string | null,
    id: string,
    progress: number,
    message: string | null,
  ): Promise<void> {
    await this.in(tenantId, (m) =>
      m.query(
        `UPDATE jobs SET progress = $2, progress_message = $3, updated_at = now()
          WHERE id = $1 AND status = 'running'`,
        [id, progress, message],
      ),
    );
  }

  async markSucceeded(
    tenantId: string | null,
    id: string,
    resultRef: string | null,
  ): Promise<void> {
    await this.in(tenantId, (m) =>
      m.query(
        `UPDATE jobs SET status = 'succeeded', progress = 100, result_ref = $2, error = NULL,
                finished_at = now(), updated_at = now()
          WHERE id = $1 AND status = 'running'`,
        [id, resultRef],
      ),
    );
  }

  async markFailed(
    tenantId: string | null,
    id: string,
    error: string,
    willRetry: boolean,
  ): Promise<void> {
    await this.in(tenantId, (m) =>
      m.query(
        `UPDATE jobs SET status = $3, error = $2, updated_at = now(),
                finished_at = CASE WHEN $3 = 'failed' THEN now() ELSE NULL END
          WHERE id = $1 AND status = 'running'`,
        [id, error, willRetry ? 'retrying' : 'failed'],
      ),
    );
  }

  /**
   * Rows written but never picked up (the queue was down when they were added), of every tenant:
   * through a SECURITY DEFINER function that returns only what re-queueing needs.
   */
  async findQueuedBefore(before: Date, limit: number): Promise<QueuedJob[]> {
    const rows = await this.jobs.query<
      { id: string; tenant_id: string | null; kind: string; max_attempts: number }[]
    >('SELECT * FROM jobs_queued_before($1, $2)', [before, limit]);
    return rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      kind: r.kind,
      maxAttempts: r.max_attempts,
    }));
  }

  /**
   * Runs `work` holding a transaction-scoped advisory lock on `key`: one process at a time, across
   * every process on this database. The lock goes with the transaction, even if the process dies.
   */
  withAdvisoryLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.jobs.manager.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
      return work();
    });
  }

  /** Counts over every tenant's jobs (for metrics), by kind and status. */
  countByKindAndStatus(): Promise<JobCount[]> {
    return this.jobs.query<JobCount[]>('SELECT * FROM jobs_count_by_kind_and_status()');
  }

  private in<T>(tenantId: string | null, work: (m: EntityManager) => Promise<T>): Promise<T> {
    return tenantId === null ? work(this.jobs.manager) : this.db.run(tenantId, work);
  }

  private async updateReturning(
    tenantId: string | null,
    sql: string,
    params: unknown[],
  ): Promise<JobEntity | null> {
    // TypeORM's raw query returns [rows, affected] for UPDATE ... RETURNING on PostgreSQL.
    const [rows] = await this.in(tenantId, (m) =>
      m.query<[Record<string, unknown>[], number]>(sql, params),
    );
    const row = rows[0];
    return row ? this.jobs.create(fromRow(row)) : null;
  }
}

function fromRow(row: Record<string, unknown>): Partial<JobEntity> {
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string | null,
    queue: row.queue as string,
    kind: row.kind as string,
    status: row.status as JobStatus,
    progress: row.progress as number,
    progressMessage: row.progress_message as string | null,
    payload: row.payload as Record<string, unknown>,
    attempts: row.attempts as number,
    maxAttempts: row.max_attempts as number,
    error: row.error as string | null,
    resultRef: row.result_ref as string | null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    startedAt: row.started_at as Date | null,
    finishedAt: row.finished_at as Date | null,
  };
}
