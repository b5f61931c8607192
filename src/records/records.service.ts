import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ApplicationPrincipal, Principal, UserPrincipal } from 'src/access/principal';
import { DomainError, NotFoundError, ValidationFailedError } from 'src/common/domain-error';
import { decodeCursor, encodeCursor } from 'src/common/keyset-cursor';
import { SCHEMA_VERSION, SignedEntry } from 'src/evidence-format/entry';
import { LogService } from 'src/log/log.service';
import { LogWriter } from 'src/log/log-writer';
import { CommittedEntry, signedEntry } from 'src/log/log.types';
import { RecordText } from 'src/records/record-draft';
import { openText } from 'src/records/record-text-cipher';
import { CreateReviewDto, EraseRecordDto, SearchRecordsDto } from 'src/records/records.dto';
import { RecordNotCommittedError, TextAlreadyErasedError } from 'src/records/records.errors';
import { RecordTextKeys } from 'src/records/record-text-keys';
import {
  RecordRow,
  RecordScope,
  RecordsRepository,
  StoredSealedText,
} from 'src/records/records.repository';

/** Record ids a search entry lists; beyond this it holds their count and SHA-256. */
const LISTED_IDS = 200;

/** Reads listed with a record; the rest are counted. */
const LATEST_READS = 20;

/** A record as a report reads it. */
export interface ScannedRecord {
  row: RecordRow;
  /** The signed entry; `entry.body` is the record body. */
  entry: SignedEntry;
  /** The body's canonical JSON, exactly as hashed. */
  canonical: string;
  /** Prompt and output; null once erased, or when the scan did not ask for text. */
  text: RecordText | null;
}

export interface RecordView {
  id: string;
  logIndex: number;
  applicationId: string;
  createdAt: string;
  provenance: 'generated' | 'submitted';
  policyOutcome: 'pass' | 'flag' | 'block';
  /** The signed log entry: body, leaf hash, signature and key id (what `audit-verify` reads). */
  entry: SignedEntry;
  /** Prompt and output; null once erased. */
  text: RecordText | null;
  /** Later entries about this record: reviews, erasures, and the latest reads. */
  related: SignedEntry[];
  /** Reads of this record by people, in all (the latest few are in `related`). */
  accessCount: number;
}

/**
 * Records as people and applications read them: a record with its signed entry and text, search,
 * and the entries people add about a record (reviews, erasures) or that their reads leave. Every
 * one is a new log entry naming the record, never an edit. Generation and submission commit
 * records through RecordCommitService.
 */
@Injectable()
export class RecordsService {
  private readonly logger = new Logger(RecordsService.name);
  private readonly erasureListeners: ((tenantId: string, recordId: string) => Promise<unknown>)[] =
    [];

  constructor(
    private readonly writer: LogWriter,
    private readonly log: LogService,
    private readonly records: RecordsRepository,
    private readonly textKeys: RecordTextKeys,
  ) {}

  /** The application's record committed under this Idempotency-Key, if any. */
  findByIdempotencyKey(
    principal: ApplicationPrincipal,
    key: string,
  ): Promise<RecordRow | undefined> {
    return this.records.findByIdempotencyKey(principal.tenantId, principal.applicationId, key);
  }

  /**
   * A record with its signed entry, its text (unless erased) and the entries about it. A read
   * by a person is appended to the log first: if it cannot be, the record is not shown.
   */
  async get(principal: Principal, id: string): Promise<RecordView> {
    const { tenantId } = principal;
    const row = await this.records.findById(tenantId, id);
    if (!row) throw new NotFoundError('record', id);
    if (principal.kind === 'user') {
      await this.appendAbout(principal, id, 'access', { action: 'read' });
    }
    const [entry, related, text] = await Promise.all([
      this.log.entry(tenantId, id),
      this.log.entriesAboutForDisplay(tenantId, id, LATEST_READS),
      this.text(tenantId, id),
    ]);
    if (!entry) throw new Error(`record ${id} has no log entry`);
    // A blocked output is for people to review, not for applications to read back.
    const shown = row.policyOutcome === 'block' && principal.kind === 'application' ? null : text;
    return { ...this.view(row, entry, related.entries, shown), accessCount: related.accessCount };
  }

  /** A review, annotation or correction of a record: a new log entry naming it, never an edit. */
  async review(
    principal: UserPrincipal,
    id: string,
    review: CreateReviewDto,
  ): Promise<SignedEntry> {
    await this.requireRecord(principal.tenantId, id);
    return signedEntry(
      await this.appendAbout(principal, id, 'review', {
        type: review.type ?? 'review',
        verdict: review.verdict ?? null,
        note: review.note ?? null,
      }),
    );
  }

  /**
   * Erasure (GDPR Art. 17): the record's text key is deleted in the same transaction that logs
   * the erasure with its reason. The body, its commitments and every proof stay verifiable.
   */
  async erase(principal: UserPrincipal, id: string, request: EraseRecordDto): Promise<SignedEntry> {
    await this.requireRecord(principal.tenantId, id);
    const sealed = await this.records.findText(principal.tenantId, id);
    if (!sealed?.key) throw new TextAlreadyErasedError([id]);
    // The log's erasure companion (RecordEntries) deletes the key in the entry's transaction
    // and rotates the key that wrapped it; the retired one is destroyed once that committed.
    const entry = await this.appendAbout(principal, id, 'erasure', { reason: request.reason });
    await this.textKeys.destroyRetired(principal.tenantId);
    for (const listener of this.erasureListeners) {
      // The erasure is committed: a listener that fails is logged, and its own start-up pass
      // finishes the work (reports are withdrawn by the erasure entry itself, not by this call).
      await listener(principal.tenantId, id).catch((error: Error) =>
        this.logger.error({ recordId: id, err: error }, 'after-erasure step failed'),
      );
    }
    return signedEntry(entry);
  }

  /** Registers work to do once an erasure committed (reports withdraw their files). */
  afterErasure(listener: (tenantId: string, recordId: string) => Promise<unknown>): void {
    this.erasureListeners.push(listener);
  }

  private async requireRecord(tenantId: string, id: string): Promise<void> {
    if (!(await this.records.findById(tenantId, id))) throw new NotFoundError('record', id);
  }

  /** Appends an entry about a record, signed by the service, naming the person. */
  private async appendAbout(
    person: UserPrincipal,
    recordId: string,
    kind: 'review' | 'erasure' | 'access',
    details: Record<string, unknown>,
  ): Promise<CommittedEntry> {
    const record = await this.log.entry(person.tenantId, recordId);
    if (!record) throw new NotFoundError('record', recordId);
    try {
      return await this.writer.append(person.tenantId, {
        kind,
        subjectId: recordId,
        body: {
          schemaVersion: SCHEMA_VERSION,
          kind,
          record: {
            id: recordId,
            logIndex: record.logIndex,
            leafHash: record.leafHash.toString('base64'),
          },
          by: { userId: person.userId, role: person.role },
          ...details,
        },
      });
    } catch (error) {
      if (error instanceof DomainError) throw error;
      this.logger.error(`${kind} entry not committed: ${(error as Error).message}`);
      throw new RecordNotCommittedError();
    }
  }

  /**
   * Records matching a search, a keyset page at a time. A person's search is a read: it is
   * logged (the filters and the ids of the records listed) before the page is returned.
   */
  async search(principal: Principal, query: SearchRecordsDto) {
    const needsConcept = [
      ...(query.minShare !== undefined ? [{ field: 'minShare', of: 'the share' }] : []),
      ...(query.detected !== undefined ? [{ field: 'detected', of: 'the detection' }] : []),
    ];
    if (query.concept === undefined && needsConcept.length > 0) {
      throw new ValidationFailedError(
        needsConcept.map(({ field, of }) => ({
          field,
          problems: [`needs concept: ${of} of which concept`],
        })),
      );
    }
    const limit = query.limit ?? 50;
    const rows = await this.searchRows(principal, query, limit);
    if (principal.kind === 'user') {
      await this.logSearch(
        principal,
        query,
        rows.map((r) => r.id),
      );
    }
    const last = rows[rows.length - 1];
    return {
      records: rows.map((r) => ({
        id: r.id,
        logIndex: r.logIndex,
        applicationId: r.applicationId,
        createdAt: r.createdAt.toISOString(),
        provenance: r.provenance,
        purpose: r.purpose,
        caseId: r.caseId,
        policyOutcome: r.policyOutcome,
      })),
      nextCursor: rows.length === limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }

  /** Appends the `search` read of a person: what was asked, and which records were listed. */
  async logSearch(
    person: UserPrincipal,
    query: Omit<SearchRecordsDto, 'cursor' | 'limit'> & { cursor?: string; limit?: number },
    listed: readonly string[],
    action: 'search' | 'export' = 'search',
  ): Promise<void> {
    const filters = Object.fromEntries(
      Object.entries(query).filter(([, v]) => v !== undefined && v !== ''),
    );
    try {
      await this.writer.append(person.tenantId, {
        kind: 'access',
        body: {
          schemaVersion: SCHEMA_VERSION,
          kind: 'access',
          action,
          by: { userId: person.userId, role: person.role },
          filters,
          // A page lists its ids; an export, which may hold thousands, their count and digest.
          ...(listed.length <= LISTED_IDS
            ? { listed: [...listed] }
            : {
                listedCount: listed.length,
                listedSha256: createHash('sha256').update(listed.join('\n')).digest('hex'),
              }),
        },
      });
    } catch (error) {
      if (error instanceof DomainError) throw error;
      this.logger.error(`${action} entry not committed: ${(error as Error).message}`);
      throw new RecordNotCommittedError();
    }
  }

  /** The rows of one page of a search, unlogged: callers log what they show. */
  async searchRows(principal: Principal, query: SearchRecordsDto, limit: number) {
    return this.records.search(principal.tenantId, {
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      applicationId: query.applicationId,
      concept: query.concept,
      minShare: query.minShare,
      detected: query.detected === undefined ? undefined : query.detected === 'true',
      policyOutcome: query.policyOutcome,
      caseId: query.caseId,
      reviewState: query.reviewState,
      order: query.order,
      after: query.cursor ? keysetAfter(query.cursor) : undefined,
      limit,
    });
  }

  /**
   * The records a report covers, in log order, a batch at a time from one cursor: each with its signed entry,
   * its body and (when `withText`) its opened text, null once erased. Only records below
   * `before`, the size of the report's checkpoint, so a rebuilt report reads the same records.
   */
  async *scan(
    tenantId: string,
    scope: RecordScope,
    options: { before: number; withText: boolean; pageSize?: number },
  ): AsyncGenerator<ScannedRecord[]> {
    let after = -1;
    let before = options.before;
    if (scope.from || scope.to) {
      // A period: walk only the log indexes its records hold (found once, through the time index).
      const range = await this.records.logIndexRange(tenantId, scope.from, scope.to);
      if (!range) return;
      after = range.first - 1;
      before = Math.min(before, range.last + 1);
    }
    const stream = this.records.streamInScope(tenantId, scope, {
      after,
      before,
      withText: options.withText,
      batch: options.pageSize ?? 500,
    });
    for await (const rows of stream) {
      yield await Promise.all(
        rows.map(async ({ canonical, leafHash, signature, keyId, sealed, ...row }) => ({
          row,
          canonical,
          entry: {
            body: JSON.parse(canonical) as Record<string, unknown>,
            leafHash: leafHash.toString('base64'),
            signature: signature.toString('base64'),
            keyId,
          },
          text: sealed ? await this.opened(row.id, sealed) : null,
        })),
      );
    }
  }

  /** How many records a scope holds (counting at most `cap` + 1). */
  countInScope(tenantId: string, scope: RecordScope, cap: number): Promise<number> {
    return this.records.countInScope(tenantId, scope, Number.MAX_SAFE_INTEGER, cap);
  }

  /** The records a scope holds now and the bytes of their signed bodies. */
  bodyBytesInScope(
    tenantId: string,
    scope: RecordScope,
  ): Promise<{ records: number; bytes: number }> {
    return this.records.bodyBytesInScope(tenantId, scope, Number.MAX_SAFE_INTEGER);
  }

  /** Whether the tenant has this record. */
  async exists(tenantId: string, id: string): Promise<boolean> {
    return (await this.records.findById(tenantId, id)) !== undefined;
  }

  /** The record's prompt and output, opened; null once erased. */
  async text(tenantId: string, id: string): Promise<RecordText | null> {
    const sealed = await this.records.findText(tenantId, id);
    return sealed ? this.opened(id, sealed) : null;
  }

  /** The text under its key; null when erased (no key, or the key that wrapped it is gone). */
  private async opened(id: string, sealed: StoredSealedText): Promise<RecordText | null> {
    const dataKey = await this.textKeys.open(id, sealed.key);
    return dataKey ? openText(id, { ...sealed, dataKey }) : null;
  }

  private view(
    row: RecordRow,
    entry: CommittedEntry,
    related: CommittedEntry[],
    text: RecordText | null,
  ): Omit<RecordView, 'accessCount'> {
    return {
      id: row.id,
      logIndex: row.logIndex,
      applicationId: row.applicationId,
      createdAt: row.createdAt.toISOString(),
      provenance: row.provenance,
      policyOutcome: row.policyOutcome,
      entry: signedEntry(entry),
      text,
      related: related.map(signedEntry),
    };
  }
}

function keysetAfter(cursor: string): { createdAt: Date; id: string } {
  const { time, id } = decodeCursor(cursor);
  return { createdAt: time, id };
}
