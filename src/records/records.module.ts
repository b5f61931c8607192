import { Module } from '@nestjs/common';
import { PoliciesModule } from 'src/policies/policies.module';
import { GenerationsService } from 'src/records/generations.service';
import { RecordCommitService } from 'src/records/record-commit.service';
import { RecordsController } from 'src/records/records.controller';
import { RecordsCoreModule } from 'src/records/records-core.module';
import { SubmissionsService } from 'src/records/submissions.service';

/** The records API: generation with the model, submission, reads, reviews and erasure. */
@Module({
  imports: [PoliciesModule, RecordsCoreModule],
  controllers: [RecordsController],
  providers: [RecordCommitService, GenerationsService, SubmissionsService],
})
export class RecordsModule {}
