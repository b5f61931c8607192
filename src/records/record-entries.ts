import { Injectable, OnModuleInit } from '@nestjs/common';
import { LogService } from 'src/log/log.service';
import { LogWriter } from 'src/log/log-writer';
import { RecordsAuditor } from 'src/records/records-auditor';
import { TextAlreadyErasedError } from 'src/records/records.errors';
import { NewRecordRows, RecordsRepository } from 'src/records/records.repository';

/** What a record entry carries for its rows: all but what the entry itself fixes. */
export type RecordAttachment = Omit<NewRecordRows, 'id' | 'logIndex' | 'createdAt'>;

/**
 * Records' part in the log's transactions, through the hooks the log exposes: the rows a record
 * keeps beside its entry are inserted with the entry; an erasure entry destroys the record's text
 * key with it (GDPR Art. 17); and whole-log verification checks the rows against the bodies.
 */
@Injectable()
export class RecordEntries implements OnModuleInit {
  constructor(
    private readonly writer: LogWriter,
    private readonly log: LogService,
    private readonly records: RecordsRepository,
    private readonly auditor: RecordsAuditor,
  ) {}

  onModuleInit(): void {
    this.writer.attach<RecordAttachment>({
      kind: 'record',
      write: (tenantId, appended) =>
        this.records.insert(
          tenantId,
          appended.map(({ entry, attachment }) => ({
            ...attachment,
            id: entry.id,
            logIndex: entry.logIndex,
            createdAt: entry.time,
          })),
        ),
    });
    this.writer.attach<unknown>({
      kind: 'erasure',
      write: async (tenantId, appended) => {
        const ids = appended.map(({ entry }) => entry.subjectId).filter((id) => id !== null);
        const erased = new Set(await this.records.deleteTextKeys(tenantId, ids));
        const gone = ids.filter((id) => !erased.has(id));
        if (gone.length > 0) throw new TextAlreadyErasedError(gone);
      },
    });
    this.log.addAuditor(this.auditor);
  }
}
