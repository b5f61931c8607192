import { DynamicModule, Module } from '@nestjs/common';
import { CheckpointScheduler } from 'src/log/checkpoint-scheduler';
import { LogController } from 'src/log/log.controller';
import { LogVerificationController } from 'src/log/log-verification.controller';
import { LogRepository } from 'src/log/log.repository';
import { LogService } from 'src/log/log.service';
import { LogWriter } from 'src/log/log-writer';
import { LogVerificationJob } from 'src/log/log-verification.job';
import { LogVerificationsRepository } from 'src/log/log-verifications.repository';
import { LogVerificationsService } from 'src/log/log-verifications.service';

@Module({})
export class LogModule {
  /** With `scheduleCheckpoints` (worker processes) checkpoints are also signed on a schedule. */
  static forRoot(options: { scheduleCheckpoints: boolean }): DynamicModule {
    return {
      module: LogModule,
      global: true,
      controllers: [LogController, LogVerificationController],
      providers: [
        LogRepository,
        LogWriter,
        LogService,
        LogVerificationsRepository,
        LogVerificationsService,
        LogVerificationJob,
        ...(options.scheduleCheckpoints ? [CheckpointScheduler] : []),
      ],
      exports: [LogRepository, LogWriter, LogService, LogVerificationsService],
    };
  }
}
