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
import { JobNotFoundError, PermanentJobError, UnknownJobKindError } from 'src/jobs/jobs.errors';
import { JobCount, JobsRepository, QueuedJob } from 'src/jobs/jobs.repository';

/** A job users asked for (`enqueue`): only our row's id travels; the payload is in the jobs table. */
export interface TrackedJobData {
  jobId: string;
  /** The job's tenant (its row is visible only in that tenant's transaction); null for ours. */
  tenantId: string | null;
}

/** One round of a scheduled job (`schedule`): the kind to run. It has no row. */
export interface ScheduledJobData {
  scheduledKind: string;
}

/** What travels on the queue. */
export type QueuedJobData = TrackedJobData | ScheduledJobData;

export function isScheduled(data: QueuedJobData): data is ScheduledJobData {
  return 'scheduledKind' in data;
}

@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);
  /** The schedules this process asked for, by kind (= scheduler id): interval in ms. */
  private readonly schedules = new Map<string, number>();
  /** Those the queue has accepted. */
  private readonly registered = new Set<string>();

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
   * A tenant's job is written in that tenant's transaction, joining one the caller has open (so
   * a domain row and its job commit together); it is put on the queue only after that commits.
   */
  async enqueue(
    kind: string,
    payload: Record<string, unknown> = {},
    tenantId: string | null = null,
  ): Promise<JobEntity> {
    const job = await this.insert(kind, payload, tenantId);
    await this.send(job);
    return job;
  }

  /** Writes the job's row only (in the caller's open transaction, if any); `send` queues it. */
  insert(
    kind: string,
    payload: Record<string, unknown> = {},
    tenantId: string | null = null,
  ): Promise<JobEntity> {
    const handler = this.handlers.get(kind);
    return this.jobs.insert({
      tenantId,
      queue: JOBS_QUEUE,
      kind,
      payload,
      maxAttempts: handler.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    });
  }

  /** Puts a written job on the queue; if the queue is unreachable, the sweep adds it later. */
  async send(job: QueuedJob): Promise<void> {
    try {
      await this.addToQueue(job);
    } catch (error) {
      this.logger.warn(
        { jobId: job.id, kind: job.kind, err: error },
        'queue unavailable; job kept as queued and will be added by the sweep',
      );
    }
  }

  async get(id: string, tenantId: string | null = null): Promise<JobEntity> {
    const job = await this.jobs.findById(tenantId, id);
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
  async run(jobId: string, tenantId: string | null, attemptsMade: number): Promise<void> {
    const attempt = attemptsMade + 1;
    const job = await this.jobs.markRunning(tenantId, jobId, attempt);
    if (!job) {
      // Finished already (a duplicate delivery) or never written: nothing to do.
      this.logger.warn({ jobId }, 'delivery for a job that is not runnable; ignored');
      return;
    }
    const started = process.hrtime.bigint();
    const context: JobContext = {
      jobId,
      tenantId,
      attempt,
      progress: (percent, message) =>
        this.jobs.setProgress(tenantId, jobId, clampPercent(percent), message ?? null),
    };
    try {
      const handler = this.handlers.get(job.kind);
      const outcome = await handler.run(job.payload, context);
      await this.jobs.markSucceeded(tenantId, jobId, outcome?.resultRef ?? null);
      this.logger.log(
        { jobId, kind: job.kind, attempt, durationMs: elapsedMs(started) },
        'job succeeded',
      );
    } catch (error) {
      const permanent = error instanceof PermanentJobError || !this.handlers.has(job.kind);
      const willRetry = !permanent && attempt < job.maxAttempts;
      const message = error instanceof Error ? error.message : String(error);
      await this.jobs.markFailed(tenantId, jobId, message, willRetry);
      this.logger.warn(
        { jobId, kind: job.kind, attempt, willRetry, durationMs: elapsedMs(started), err: error },
        'job attempt failed',
      );
      throw permanent ? new UnrecoverableError(message) : error;
    }
  }

  /**
   * Runs a job of `kind` every `everyMs`, each round on exactly one worker, however many run: a
   * BullMQ job scheduler (repeatable job). Its id is the kind, so every process that calls this at
   * start-up, and every restart, upserts the one scheduler rather than adding another, and a new
   * interval replaces the old one (the last process to start wins). Each round's BullMQ job id is
   * `repeat:<kind>:<due time in ms>`, the same in every process: a round is never queued twice.
   *
   * Rounds bypass the jobs table on purpose. The table holds the jobs users asked for, as the
   * portal shows them; a round every minute would add 1,440 rows a day of housekeeping to it. Its
   * other duty, keeping a job through a queue outage, is not needed either: a missed round is
   * covered by the next one. Each round logs its outcome and duration instead (`runScheduled`),
   * and a registration the queue did not take is retried by the workers' sweep.
   */
  async schedule(kind: string, everyMs: number): Promise<void> {
    this.handlers.get(kind); // an unknown kind fails here, at start-up, not in every round
    this.schedules.set(kind, everyMs);
    this.registered.delete(kind);
    try {
      await this.upsertScheduler(kind, everyMs);
    } catch (error) {
      this.logger.warn(
        { kind, everyMs, err: error },
        'job schedule not registered; the sweep will register it',
      );
    }
  }

  /**
   * Registers the schedules the queue has not accepted yet, and those it lost (a Redis restarted
   * without persistence). A scheduler that exists is left alone, whatever its interval: another
   * process that started later may have set it. Returns how many were registered.
   */
  async ensureSchedules(): Promise<number> {
    let count = 0;
    for (const [kind, everyMs] of this.schedules) {
      if (
        this.registered.has(kind) &&
        (await withTimeout(this.queue.getJobScheduler(kind), 'read the job scheduler'))
      ) {
        continue;
      }
      await this.upsertScheduler(kind, everyMs);
      count += 1;
    }
    return count;
  }

  /**
   * Runs one round of a scheduled job. There is no row to update: the outcome and the duration go
   * to the log. A failed round is not retried (one attempt): the next round is the retry.
   */
  async runScheduled(kind: string, deliveryId: string, attemptsMade: number): Promise<void> {
    const attempt = attemptsMade + 1;
    const started = process.hrtime.bigint();
    const context: JobContext = {
      jobId: deliveryId,
      tenantId: null,
      attempt,
      progress: () => Promise.resolve(),
    };
    try {
      const outcome = await this.handlers.get(kind).run({}, context);
      this.logger.log(
        {
          jobId: deliveryId,
          kind,
          attempt,
          durationMs: elapsedMs(started),
          resultRef: outcome?.resultRef,
        },
        'scheduled job succeeded',
      );
    } catch (error) {
      const permanent = error instanceof PermanentJobError || error instanceof UnknownJobKindError;
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(
        { jobId: deliveryId, kind, attempt, durationMs: elapsedMs(started), err: error },
        'scheduled job failed; the next round runs on schedule',
      );
      throw permanent ? new UnrecoverableError(message) : error;
    }
  }

  private async upsertScheduler(kind: string, everyMs: number): Promise<void> {
    const data: ScheduledJobData = { scheduledKind: kind };
    // BullMQ's PostgreSQL backend reads the scheduler's row without locking it: two processes
    // registering a new scheduler at the same moment each queue a first round (seen here; Redis
    // runs the upsert as one script). A lock in our own database, PostgreSQL whichever backend
    // the queue uses, makes registrations take turns.
    await this.jobs.withAdvisoryLock(`audit:job-scheduler:${JOBS_QUEUE}:${kind}`, () =>
      withTimeout(
        this.queue.upsertJobScheduler(
          kind,
          { every: everyMs },
          {
            name: kind,
            data,
            opts: {
              attempts: 1,
              removeOnComplete: { age: 3600, count: 100 },
              removeOnFail: { age: 24 * 3600, count: 1000 },
            },
          },
        ),
        'register the job scheduler',
      ),
    );
    this.registered.add(kind);
  }

  /**
   * Bounded in time: with Redis down, BullMQ would otherwise wait for it indefinitely and hold the
   * caller's request. A late add that still lands is harmless (the job id deduplicates).
   */
  private async addToQueue(job: QueuedJob): Promise<void> {
    await withTimeout(this.add(job), 'accept the job');
  }

  private async add(job: QueuedJob): Promise<void> {
    await this.queue.add(
      job.kind,
      { jobId: job.id, tenantId: job.tenantId },
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

/** Fails after QUEUE_ADD_TIMEOUT_MS (the queue backend may wait for a lost connection forever). */
async function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`queue did not ${what} within ${QUEUE_ADD_TIMEOUT_MS} ms`)),
      QUEUE_ADD_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function clampPercent(percent: number): number {
  return Math.max(0, Math.min(100, Math.round(percent)));
}

function elapsedMs(start: bigint): number {
  return Number((process.hrtime.bigint() - start) / 1_000_000n);
}
