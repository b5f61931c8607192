import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { JobsService } from 'src/jobs/jobs.service';
import { QueueBackend } from 'src/queue/queue-backend';
import { QUEUE_BACKEND } from 'src/queue/queue.module';

/** Up when the queue backend answers a real query (job counts) within the timeout. */
@Injectable()
export class QueueHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly jobs: JobsService,
    @Inject(QUEUE_BACKEND) private readonly backend: QueueBackend,
  ) {}

  check<K extends string>(key: K): Promise<HealthIndicatorResult<K>> {
    return Promise.resolve(
      this.indicators
        .check(key)
        .attempt(async () => {
          const counts = await this.jobs.queueCounts();
          return { backend: this.backend.kind, ...counts };
        })
        .withTimeout(2000),
    );
  }
}
