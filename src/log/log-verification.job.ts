import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobContext, JobHandler, JobHandlerRegistry, JobOutcome } from 'src/jobs/job-handlers';
import { PermanentJobError } from 'src/jobs/jobs.errors';
import { LOG_VERIFY_JOB, LogVerificationsService } from 'src/log/log-verifications.service';

/** The worker's side of a requested full verification; a retry redoes it from the start. */
@Injectable()
export class LogVerificationJob implements JobHandler, OnModuleInit {
  readonly kind = LOG_VERIFY_JOB;
  readonly maxAttempts = 3;

  constructor(
    private readonly registry: JobHandlerRegistry,
    private readonly verifications: LogVerificationsService,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async run(payload: Record<string, unknown>, context: JobContext): Promise<JobOutcome> {
    const id = payload.verificationId;
    if (typeof id !== 'string' || context.tenantId === null) {
      throw new PermanentJobError('a log verification needs its id and a tenant');
    }
    await this.verifications.run(context.tenantId, id, (percent, message) =>
      context.progress(percent, message),
    );
    return { resultRef: id };
  }
}
