import { Module } from '@nestjs/common';
import { LogController } from 'src/log/log.controller';
import { LogRepository } from 'src/log/log.repository';
import { LogService } from 'src/log/log.service';
import { LogWriter } from 'src/log/log-writer';

@Module({
  controllers: [LogController],
  providers: [LogRepository, LogWriter, LogService],
  exports: [LogRepository, LogWriter, LogService],
})
export class LogModule {}
