import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { JobEntity, JobStatus } from 'src/jobs/job.entity';

export interface NewJob {
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

// Each state change is a single conditional UPDATE, so two deliveries of the same job (a stalled
// job handed out again, a duplicate add) cannot move a finished job backwards.
@Injectable()
export class JobsRepository {
  constructor(@InjectRepository(JobEntity) private readonly jobs: Repository<JobEntity>) {}

  insert(job: NewJob): Promise<JobEntity> {
    return this.jobs.save(this.jobs.create({ ...job, status: 'queued', progress: 0 }));
  }

  findById(id: string): Promise<JobEntity | null> {
    return this.jobs.findOneBy({ id });
  }

  async markRunning(id: string, attempt: number): Promise<JobEntity | null> {
    return this.updateReturning(
      `UPDATE jobs SET status = 'running', attempts = $2, error = NULL,
              started_at = COALESCE(started_at, now()), updated_at = now()
        WHERE id = $1 AND status IN ('queued', 'retrying', 'running')
        RETURNING *`,
      [id, attempt],
    );
  }

  async setProgress(id: string, progress: number, message: string | null): Promise<void> {
    await this.jobs.query(
      `UPDATE jobs SET progress = $2, progress_message = $3, updated_at = now()
        WHERE id = $1 AND status = 'running'`,
      [id, progress, message],
    );
  }

  async markSucceeded(id: string, resultRef: string | null): Promise<void> {
    await this.jobs.query(
      `UPDATE jobs SET status = 'succeeded', progress = 100, result_ref = $2, error = NULL,
              finished_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'running'`,
      [id, resultRef],
    );
  }

  async markFailed(id: string, error: string, willRetry: boolean): Promise<void> {
    await this.jobs.query(
      `UPDATE jobs SET status = $3, error = $2, updated_at = now(),
              finished_at = CASE WHEN $3 = 'failed' THEN now() ELSE NULL END
        WHERE id = $1 AND status = 'running'`,
      [id, error, willRetry ? 'retrying' : 'failed'],
    );
  }

  /** Rows written but never picked up, e.g. because the queue was down when they were added. */
  findQueuedBefore(before: Date, limit: number): Promise<JobEntity[]> {
    return this.jobs
      .createQueryBuilder('job')
      .where('job.status = :status', { status: 'queued' })
      .andWhere('job.createdAt < :before', { before })
      .orderBy('job.createdAt', 'ASC')
      .limit(limit)
      .getMany();
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

  async countByKindAndStatus(): Promise<JobCount[]> {
    return this.jobs.query<JobCount[]>(
      'SELECT kind, status, count(*)::int AS count FROM jobs GROUP BY kind, status',
    );
  }

  private async updateReturning(sql: string, params: unknown[]): Promise<JobEntity | null> {
    // TypeORM's raw query returns [rows, affected] for UPDATE ... RETURNING on PostgreSQL.
    const [rows] = await this.jobs.query<[Record<string, unknown>[], number]>(sql, params);
    const row = rows[0];
    return row ? this.jobs.create(fromRow(row)) : null;
  }
}

function fromRow(row: Record<string, unknown>): Partial<JobEntity> {
  return {
    id: row.id as string,
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
