import { Module } from '@nestjs/common';
import { PoliciesModule } from 'src/policies/policies.module';
import { GenerationsService } from 'src/records/generations.service';
import { RecordCommitService } from 'src/records/record-commit.service';
import { RecordEntries } from 'src/records/record-entries';
import { RecordsAuditor } from 'src/records/records-auditor';
import { RecordsController } from 'src/records/records.controller';
import { RecordsRepository } from 'src/records/records.repository';
import { RecordsService } from 'src/records/records.service';
import { SubmissionsService } from 'src/records/submissions.service';

@Module({
  imports: [PoliciesModule],
  controllers: [RecordsController],
  providers: [
    RecordsRepository,
    RecordsService,
    RecordCommitService,
    GenerationsService,
    SubmissionsService,
    RecordsAuditor,
    RecordEntries,
  ],
})
export class RecordsModule {}
