import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const JOB_STATUSES = ['queued', 'running', 'retrying', 'succeeded', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * The job state users see (in the API and the portal). It is written by our own code around each
 * processor run, never derived from queue events, which a backend may drop. A row is written before
 * the job is put on the queue, so a queue outage delays a job but never loses it.
 */
@Entity('jobs')
@Check('jobs_status_check', `"status" IN ('queued', 'running', 'retrying', 'succeeded', 'failed')`)
@Check('jobs_progress_check', `"progress" BETWEEN 0 AND 100`)
@Check('jobs_max_attempts_check', `"max_attempts" >= 1`)
@Index('jobs_status_created_idx', ['status', 'createdAt'])
@Index('jobs_tenant_created_idx', ['tenantId', 'createdAt'])
export class JobEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The tenant whose person asked for the job; null for the service's own jobs. */
  // By entity name: the jobs floor is below tenants and does not import its entity.
  @ForeignKey('TenantEntity', 'id', { name: 'jobs_tenant_fk', onDelete: 'RESTRICT' })
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ type: 'text' })
  queue!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  status!: JobStatus;

  /** 0 to 100. */
  @Column({ type: 'smallint', default: 0 })
  progress!: number;

  @Column({ name: 'progress_message', type: 'text', nullable: true })
  progressMessage!: string | null;

  @Column({ type: 'jsonb', default: {} })
  payload!: Record<string, unknown>;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'max_attempts', type: 'integer' })
  maxAttempts!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** Where the job's product lives (an artifact key, a record id), once it has one. */
  @Column({ name: 'result_ref', type: 'text', nullable: true })
  resultRef!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
