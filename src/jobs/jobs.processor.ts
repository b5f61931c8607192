import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job } from 'bullmq';
import { AppConfig } from 'src/config/app-config';
import { JOBS_QUEUE, REQUEUE_SWEEP_INTERVAL_MS } from 'src/jobs/jobs.constants';
import { isScheduled, JobsService, QueuedJobData } from 'src/jobs/jobs.service';

/**
 * The one processor of the jobs queue: hands each delivery to `JobsService.run` (a job with a row
 * in the jobs table) or `JobsService.runScheduled` (a round of a scheduled job).
 */
@Processor(JOBS_QUEUE)
export class JobsProcessor
  extends WorkerHost
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(JobsProcessor.name);
  private sweep?: NodeJS.Timeout;

  constructor(
    private readonly jobs: JobsService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async process(job: Job<QueuedJobData>): Promise<void> {
    if (isScheduled(job.data)) {
      await this.jobs.runScheduled(job.data.scheduledKind, job.id ?? job.name, job.attemptsMade);
    } else {
      await this.jobs.run(job.data.jobId, job.data.tenantId ?? null, job.attemptsMade);
    }
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.WORKER_CONCURRENCY;
    const runSweep = () => {
      this.jobs
        .requeueStale()
        .then((count) => {
          if (count > 0) this.logger.log({ count }, 're-queued jobs that never reached a worker');
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'job sweep failed'));
      this.jobs
        .ensureSchedules()
        .then((count) => {
          if (count > 0) this.logger.log({ count }, 'registered job schedules with the queue');
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'job schedule sweep failed'));
    };
    runSweep();
    this.sweep = setInterval(runSweep, REQUEUE_SWEEP_INTERVAL_MS);
    this.sweep.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweep);
  }
}
