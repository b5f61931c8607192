import { Module } from '@nestjs/common';
import { RecordEntries } from 'src/records/record-entries';
import { RecordsAuditor } from 'src/records/records-auditor';
import { RecordsRepository } from 'src/records/records.repository';
import { RecordsService } from 'src/records/records.service';

/**
 * Records without the model: reading, reviews and erasures, the rows beside record entries and
 * their part in verification. Workers import it (reports read records) as the API does.
 */
@Module({
  providers: [RecordsRepository, RecordsService, RecordsAuditor, RecordEntries],
  exports: [RecordsRepository, RecordsService],
})
export class RecordsCoreModule {}
