import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobContext, JobHandler, JobHandlerRegistry, JobOutcome } from 'src/jobs/job-handlers';
import { PermanentJobError } from 'src/jobs/jobs.errors';
import { EvidencePackageError } from 'src/reports/evidence-package/evidence-package.errors';
import { ReportBuilder } from 'src/reports/build/report-builder';
import { REPORT_BUILD_JOB } from 'src/reports/reports.constants';
import { ModelReferenceError } from 'src/reports/sources/model-references';

/**
 * The worker's side of a report request: builds it (ReportBuilder). A delivery that finds the
 * report complete does nothing; one that failed half-way starts again from the pinned request
 * and writes the same bytes. Retried with backoff; a report whose model package is gone from the
 * store fails at once, with that said.
 */
@Injectable()
export class ReportBuildJob implements JobHandler, OnModuleInit {
  readonly kind = REPORT_BUILD_JOB;
  readonly maxAttempts = 4;

  constructor(
    private readonly registry: JobHandlerRegistry,
    private readonly builder: ReportBuilder,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async run(payload: Record<string, unknown>, context: JobContext): Promise<JobOutcome> {
    const reportId = payload.reportId;
    if (typeof reportId !== 'string' || context.tenantId === null) {
      throw new PermanentJobError('a report build needs a report id and a tenant');
    }
    try {
      const report = await this.builder.build(context.tenantId, reportId, (percent, message) =>
        context.progress(percent, message),
      );
      return { resultRef: report.evidence?.key };
    } catch (error) {
      if (error instanceof ModelReferenceError) throw new PermanentJobError(error.message);
      if (error instanceof EvidencePackageError && error.code !== 'source_changed') {
        // A package too large, or refused by its own checks, would be the same on every retry.
        throw new PermanentJobError(error.message);
      }
      throw error;
    }
  }
}
