import { Module } from '@nestjs/common';
import { RecordEntries } from 'src/records/record-entries';
import { RecordTextKeys } from 'src/records/record-text-keys';
import { RecordsAuditor } from 'src/records/records-auditor';
import { RecordsRepository } from 'src/records/records.repository';
import { RecordsService } from 'src/records/records.service';
import { TextKeysRepository } from 'src/records/text-keys.repository';

/**
 * Records without the model: reading, reviews and erasures, the rows beside record entries and
 * their part in verification. Workers import it (reports read records) as the API does.
 */
@Module({
  providers: [
    RecordsRepository,
    RecordsService,
    RecordsAuditor,
    RecordEntries,
    RecordTextKeys,
    TextKeysRepository,
  ],
  exports: [RecordsRepository, RecordsService],
})
export class RecordsCoreModule {}
