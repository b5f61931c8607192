import { Injectable, OnModuleInit } from '@nestjs/common';
import { LogService } from 'src/log/log.service';
import { LogWriter } from 'src/log/log-writer';
import { SealedText } from 'src/records/record-text-cipher';
import { RecordTextKeys } from 'src/records/record-text-keys';
import { RecordsAuditor } from 'src/records/records-auditor';
import { TextAlreadyErasedError } from 'src/records/records.errors';
import { NewRecordRows, RecordsRepository } from 'src/records/records.repository';

/**
 * What a record entry carries for its rows: all but what the entry itself fixes, with the text
 * sealed under a plain data key that is wrapped in the entry's transaction.
 */
export type RecordAttachment = Omit<
  NewRecordRows,
  'id' | 'logIndex' | 'createdAt' | 'sealed' | 'textKey'
> & { sealed: SealedText };

/**
 * Records' part in the log's transactions, through the hooks the log exposes: the rows a record
 * keeps beside its entry are inserted with the entry, its text key wrapped by the text-key store;
 * an erasure entry deletes the record's text key with it and rotates the key that wrapped it
 * (GDPR Art. 17, see RecordTextKeys); and whole-log verification checks the rows against the
 * bodies.
 */
@Injectable()
export class RecordEntries implements OnModuleInit {
  constructor(
    private readonly writer: LogWriter,
    private readonly log: LogService,
    private readonly records: RecordsRepository,
    private readonly auditor: RecordsAuditor,
    private readonly textKeys: RecordTextKeys,
  ) {}

  onModuleInit(): void {
    this.writer.attach<RecordAttachment>({
      kind: 'record',
      write: async (tenantId, appended) => {
        const wrapped = await this.textKeys.wrap(
          tenantId,
          appended.map(({ entry, attachment }) => ({
            id: entry.id,
            createdAt: entry.time,
            dataKey: attachment.sealed.dataKey,
          })),
        );
        await this.records.insert(
          tenantId,
          appended.map(({ entry, attachment: { sealed, ...attachment } }, i) => ({
            ...attachment,
            sealed: { iv: sealed.iv, ciphertext: sealed.ciphertext, tag: sealed.tag },
            textKey: wrapped[i],
            id: entry.id,
            logIndex: entry.logIndex,
            createdAt: entry.time,
          })),
        );
      },
    });
    this.writer.attach<unknown>({
      kind: 'erasure',
      write: async (tenantId, appended) => {
        const ids = appended.map(({ entry }) => entry.subjectId).filter((id) => id !== null);
        const erased = new Set(await this.textKeys.erase(tenantId, ids));
        const gone = ids.filter((id) => !erased.has(id));
        if (gone.length > 0) throw new TextAlreadyErasedError(gone);
      },
    });
    this.log.addAuditor(this.auditor);
  }
}
