import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue, UnrecoverableError } from 'bullmq';
import { JobContext, JobHandlerRegistry } from 'src/jobs/job-handlers';
import { JobEntity } from 'src/jobs/job.entity';
import {
  DEFAULT_MAX_ATTEMPTS,
  JOBS_QUEUE,
  QUEUE_ADD_TIMEOUT_MS,
  REQUEUE_AFTER_MS,
} from 'src/jobs/jobs.constants';
import { JobNotFoundError, PermanentJobError } from 'src/jobs/jobs.errors';
import { JobCount, JobsRepository } from 'src/jobs/jobs.repository';

/** What travels on the queue: only our row's id. The payload lives in the jobs table. */
export interface QueuedJobData {
  jobId: string;
}

@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);

  constructor(
    private readonly jobs: JobsRepository,
    private readonly handlers: JobHandlerRegistry,
    @InjectQueue(JOBS_QUEUE) private readonly queue: Queue<QueuedJobData>,
  ) {
    // Without a listener a lost connection goes to console.error, outside the JSON log.
    this.queue.on('error', (error) => this.logger.warn(`queue connection: ${error.message}`));
  }

  /**
   * Writes the job's row first, then puts it on the queue. If the queue is unreachable the row
   * stays `queued` and the worker's sweep adds it later: the job is delayed, never lost.
   */
  async enqueue(kind: string, payload: Record<string, unknown> = {}): Promise<JobEntity> {
    const handler = this.handlers.get(kind);
    const job = await this.jobs.insert({
      queue: JOBS_QUEUE,
      kind,
      payload,
      maxAttempts: handler.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    });
    try {
      await this.addToQueue(job);
    } catch (error) {
      this.logger.warn(
        { jobId: job.id, kind, err: error },
        'queue unavailable; job kept as queued and will be added by the sweep',
      );
    }
    return job;
  }

  async get(id: string): Promise<JobEntity> {
    const job = await this.jobs.findById(id);
    if (!job) throw new JobNotFoundError(id);
    return job;
  }

  countByKindAndStatus(): Promise<JobCount[]> {
    return this.jobs.countByKindAndStatus();
  }

  /** Asks the queue backend itself (Redis or PostgreSQL) for its counts: a real round trip. */
  queueCounts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
  }

  /** Puts rows that never reached a worker back on the queue (deduplicated by job id). */
  async requeueStale(olderThanMs = REQUEUE_AFTER_MS): Promise<number> {
    const stale = await this.jobs.findQueuedBefore(new Date(Date.now() - olderThanMs), 100);
    for (const job of stale) await this.addToQueue(job);
    return stale.length;
  }

  /**
   * Runs one delivery of a job: marks it running, calls its handler, records the outcome. Errors
   * are rethrown so BullMQ retries; permanent ones become `UnrecoverableError` so it does not.
   */
  async run(jobId: string, attemptsMade: number): Promise<void> {
    const attempt = attemptsMade + 1;
    const job = await this.jobs.markRunning(jobId, attempt);
    if (!job) {
      // Finished already (a duplicate delivery) or never written: nothing to do.
      this.logger.warn({ jobId }, 'delivery for a job that is not runnable; ignored');
      return;
    }
    const started = process.hrtime.bigint();
    const context: JobContext = {
      jobId,
      attempt,
      progress: (percent, message) =>
        this.jobs.setProgress(jobId, clampPercent(percent), message ?? null),
    };
    try {
      const handler = this.handlers.get(job.kind);
      const outcome = await handler.run(job.payload, context);
      await this.jobs.markSucceeded(jobId, outcome?.resultRef ?? null);
      this.logger.log(
        { jobId, kind: job.kind, attempt, durationMs: elapsedMs(started) },
        'job succeeded',
      );
    } catch (error) {
      const permanent = error instanceof PermanentJobError || !this.handlers.has(job.kind);
      const willRetry = !permanent && attempt < job.maxAttempts;
      const message = error instanceof Error ? error.message : String(error);
      await this.jobs.markFailed(jobId, message, willRetry);
      this.logger.warn(
        { jobId, kind: job.kind, attempt, willRetry, durationMs: elapsedMs(started), err: error },
        'job attempt failed',
      );
      throw permanent ? new UnrecoverableError(message) : error;
    }
  }

  /**
   * Bounded in time: with Redis down, BullMQ would otherwise wait for it indefinitely and hold the
   * caller's request. A late add that still lands is harmless (the job id deduplicates).
   */
  private async addToQueue(job: JobEntity): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`queue did not accept the job within ${QUEUE_ADD_TIMEOUT_MS} ms`)),
        QUEUE_ADD_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([this.send(job), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async send(job: JobEntity): Promise<void> {
    await this.queue.add(
      job.kind,
      { jobId: job.id },
      {
        jobId: job.id,
        attempts: job.maxAttempts,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 3600, count: 1000 },
        removeOnFail: { age: 24 * 3600 },
      },
    );
  }
}

function clampPercent(percent: number): number {
  return Math.max(0, Math.min(100, Math.round(percent)));
}

function elapsedMs(start: bigint): number {
  return Number((process.hrtime.bigint() - start) / 1_000_000n);
}
