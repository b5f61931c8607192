import { DynamicModule, Module } from '@nestjs/common';
import { CheckpointScheduler } from 'src/log/checkpoint-scheduler';
import { LogController } from 'src/log/log.controller';
import { LogRepository } from 'src/log/log.repository';
import { LogService } from 'src/log/log.service';
import { LogWriter } from 'src/log/log-writer';

@Module({})
export class LogModule {
  /** With `scheduleCheckpoints` (worker processes) checkpoints are also signed on a schedule. */
  static forRoot(options: { scheduleCheckpoints: boolean }): DynamicModule {
    return {
      module: LogModule,
      global: true,
      controllers: [LogController],
      providers: [
        LogRepository,
        LogWriter,
        LogService,
        ...(options.scheduleCheckpoints ? [CheckpointScheduler] : []),
      ],
      exports: [LogRepository, LogWriter, LogService],
    };
  }
}
