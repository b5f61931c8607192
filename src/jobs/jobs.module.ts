import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobHandlerRegistry } from 'src/jobs/job-handlers';
import { JobEntity } from 'src/jobs/job.entity';
import { JOBS_QUEUE } from 'src/jobs/jobs.constants';
import { JobsProcessor } from 'src/jobs/jobs.processor';
import { JobsRepository } from 'src/jobs/jobs.repository';
import { JobsService } from 'src/jobs/jobs.service';

@Module({})
export class JobsModule {
  /** With `runWorkers` false (a pure API process) jobs are enqueued here but run elsewhere. */
  static forRoot(options: { runWorkers: boolean }): DynamicModule {
    return {
      module: JobsModule,
      global: true,
      imports: [
        TypeOrmModule.forFeature([JobEntity]),
        BullModule.registerQueue({ name: JOBS_QUEUE }),
      ],
      providers: [
        JobsRepository,
        JobsService,
        JobHandlerRegistry,
        ...(options.runWorkers ? [JobsProcessor] : []),
      ],
      exports: [JobsService, JobHandlerRegistry],
    };
  }
}
