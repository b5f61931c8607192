import { Module } from '@nestjs/common';
import { LogVerificationController } from 'src/log/log-verification.controller';
import { LogVerificationJob } from 'src/log/log-verification.job';
import { LogVerificationsRepository } from 'src/log/log-verifications.repository';
import { LogVerificationsService } from 'src/log/log-verifications.service';

/**
 * Whole-log verification: the synchronous route, and full verifications run as jobs with their
 * results kept. Apart from LogModule, which stands alone (with no job queue) in the log's tests.
 */
@Module({
  controllers: [LogVerificationController],
  providers: [LogVerificationsRepository, LogVerificationsService, LogVerificationJob],
  exports: [LogVerificationsService],
})
export class LogVerificationsModule {}
