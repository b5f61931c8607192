import { Injectable } from '@nestjs/common';
import { insertRows } from 'src/database/insert-rows';
import { DETECTED_AT } from 'src/evidence-format/attribution';
import { TenantDatabase } from 'src/database/tenant-database';
import { SealedText } from 'src/records/record-text-cipher';
import type { WrappedTextKey } from 'src/records/record-text-keys';
import { StoredTextKey, storedTextKey, textKeyColumns } from 'src/records/text-keys.repository';

export interface RecordRow {
  id: string;
  logIndex: number;
  applicationId: string;
  createdAt: Date;
  provenance: 'generated' | 'submitted';
  purpose: string | null;
  caseId: string | null;
  policyOutcome: 'pass' | 'flag' | 'block';
  requestSha256: Buffer | null;
}

/** A record row with everything verification compares against the signed body. */
export interface StoredRecord extends RecordRow {
  /** created_at to the microsecond, as stored. */
  storedTime: string;
  conceptShares: Record<string, number>;
  conceptDetections: Record<string, number> | null;
  text: StoredSealedText | null;
}

/** A record's encrypted text as stored, with its key unless the text was erased. */
export interface StoredSealedText extends Omit<SealedText, 'dataKey'> {
  key: StoredTextKey | null;
}

/** The rows a record keeps beside its log entry: written in the entry's transaction. */
export interface NewRecordRows {
  id: string;
  logIndex: number;
  /** The entry's commit time (RFC 3339). */
  createdAt: string;
  applicationId: string;
  provenance: 'generated' | 'submitted';
  purpose: string | null;
  caseId: string | null;
  policyOutcome: 'pass' | 'flag' | 'block';
  conceptShares: Record<string, number>;
  /** Each named concept's highest detection; null for records that state none. */
  conceptDetections: Record<string, number> | null;
  idempotencyKey: string | null;
  requestSha256: Buffer | null;
  sealed: Omit<SealedText, 'dataKey'>;
  /** The data key, wrapped by the text-key store. */
  textKey: WrappedTextKey;
}

export interface RecordSearch {
  from?: Date;
  to?: Date;
  applicationId?: string;
  concept?: string;
  minShare?: number;
  /**
   * With concept: only records that state it detected (its detection reached DETECTED_AT in
   * some chunk), or only those that state it and say it was not. Records before method version
   * 3 state no detection and match neither.
   */
  detected?: boolean;
  policyOutcome?: 'pass' | 'flag' | 'block';
  caseId?: string;
  /** Whether a person has reviewed the record (a review entry names it). */
  reviewState?: 'reviewed' | 'unreviewed';
  /** Newest first (default) or oldest first. */
  order?: 'newest' | 'oldest';
  /** Keyset cursor: the (created_at, id) of the last record of the previous page. */
  after?: { createdAt: Date; id: string };
  limit: number;
}

/** What a report covers (exactly the fields of its kind are set). */
export interface RecordScope {
  recordId?: string;
  caseId?: string;
  subjectRef?: string;
  applicationIds?: string[];
  from?: Date;
  to?: Date;
}

/** The WHERE clause of a scope, below `before` and after `after` (log indexes). */
function scopeFilter(
  tenantId: string,
  scope: RecordScope,
  range: { after: number; before: number },
): { where: string[]; params: unknown[] } {
  const where = ['r.tenant_id = $1', 'r.log_index > $2', 'r.log_index < $3'];
  const params: unknown[] = [tenantId, range.after, range.before];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (scope.recordId) add((n) => `r.id = ${n}`, scope.recordId);
  if (scope.caseId) add((n) => `r.case_id = ${n}`, scope.caseId);
  // The subject reference is in the signed body only (it is not a search column).
  if (scope.subjectRef) {
    add((n) => `(e.body::jsonb -> 'request' ->> 'subjectRef') = ${n}`, scope.subjectRef);
  }
  if (scope.applicationIds?.length) {
    add((n) => `r.application_id = ANY(${n}::uuid[])`, scope.applicationIds);
  }
  if (scope.from) add((n) => `r.created_at >= ${n}`, scope.from);
  if (scope.to) add((n) => `r.created_at < ${n}`, scope.to);
  return { where, params };
}

type ScopedRaw = RawRecordRow & {
  body: string;
  leafHash: Buffer;
  signature: Buffer;
  keyId: string;
  iv: Buffer | null;
  ciphertext: Buffer | null;
  tag: Buffer | null;
} & StoredTextKey;

/** The records of a scope in log order (no LIMIT), with their entries and, if asked, texts. */
function scopeQuery(
  tenantId: string,
  scope: RecordScope,
  range: { after: number; before: number },
  withText: boolean,
): { sql: string; params: unknown[] } {
  const { where, params } = scopeFilter(tenantId, scope, range);
  const text = withText
    ? `t.iv, t.ciphertext, t.tag, ${textKeyColumns('k')}`
    : `NULL::bytea AS iv, NULL::bytea AS ciphertext, NULL::bytea AS tag,
       NULL::bytea AS "dataKey", NULL::text AS "kekId", NULL::bytea AS "wrapped"`;
  const join = withText
    ? `LEFT JOIN record_texts t ON t.record_id = r.id
       LEFT JOIN record_text_keys k ON k.record_id = r.id`
    : '';
  const sql = `SELECT ${JOINED_RECORD_COLUMNS},
                e.body, e.leaf_hash AS "leafHash", e.signature, e.key_id AS "keyId", ${text}
           FROM records r
           JOIN log_entries e ON e.tenant_id = r.tenant_id AND e.log_index = r.log_index
           ${join}
          WHERE ${where.join(' AND ')}
          ORDER BY r.log_index`;
  return { sql, params };
}

function toScopedRow({
  body,
  leafHash,
  signature,
  keyId,
  iv,
  ciphertext,
  tag,
  dataKey,
  kekId,
  wrapped,
  ...row
}: ScopedRaw): ScopedRecordRow {
  return {
    ...toRecord(row),
    canonical: body,
    leafHash,
    signature,
    keyId,
    sealed:
      iv && ciphertext && tag
        ? { iv, ciphertext, tag, key: storedTextKey({ dataKey, kekId, wrapped }) }
        : null,
  };
}

/** A record row with its log entry's columns and, when asked for, its sealed text. */
export interface ScopedRecordRow extends RecordRow {
  canonical: string;
  leafHash: Buffer;
  signature: Buffer;
  keyId: string;
  sealed: StoredSealedText | null;
}

const RECORD_COLUMNS = `id, log_index AS "logIndex", application_id AS "applicationId",
  created_at AS "createdAt", provenance, purpose, case_id AS "caseId",
  policy_outcome AS "policyOutcome", request_sha256 AS "requestSha256"`;

/** RECORD_COLUMNS of the table aliased `r`, for queries that join it. */
const JOINED_RECORD_COLUMNS = `r.id, r.log_index AS "logIndex", r.application_id AS "applicationId",
  r.created_at AS "createdAt", r.provenance, r.purpose, r.case_id AS "caseId",
  r.policy_outcome AS "policyOutcome", r.request_sha256 AS "requestSha256"`;

/** Columns in insert order, per table (the records benchmark's baseline copies them). */
export const RECORD_INSERT_COLUMNS = [
  'id',
  'tenant_id',
  'log_index',
  'created_at',
  'application_id',
  'provenance',
  'purpose',
  'case_id',
  'policy_outcome',
  'concept_shares',
  'concept_detections',
  'idempotency_key',
  'request_sha256',
];
export const TEXT_INSERT_COLUMNS = ['record_id', 'tenant_id', 'iv', 'ciphertext', 'tag'];
export const KEY_INSERT_COLUMNS = ['record_id', 'tenant_id', 'kek_id', 'wrapped_key'];

type RawRecordRow = Omit<RecordRow, 'logIndex'> & { logIndex: string };
const toRecord = (row: RawRecordRow): RecordRow => ({ ...row, logIndex: Number(row.logIndex) });

@Injectable()
export class RecordsRepository {
  constructor(private readonly db: TenantDatabase) {}

  /**
   * Inserts the rows of records whose entries were just appended, in the log's append
   * transaction (a record row references its entry, a text its record, a key its text).
   */
  insert(tenantId: string, records: readonly NewRecordRows[]): Promise<void> {
    return this.db.run(tenantId, async (m) => {
      await insertRows(
        m,
        'records',
        RECORD_INSERT_COLUMNS,
        records.map((r) => [
          r.id,
          tenantId,
          r.logIndex,
          r.createdAt,
          r.applicationId,
          r.provenance,
          r.purpose,
          r.caseId,
          r.policyOutcome,
          JSON.stringify(r.conceptShares),
          r.conceptDetections && JSON.stringify(r.conceptDetections),
          r.idempotencyKey,
          r.requestSha256,
        ]),
      );
      await insertRows(
        m,
        'record_texts',
        TEXT_INSERT_COLUMNS,
        records.map((r) => [r.id, tenantId, r.sealed.iv, r.sealed.ciphertext, r.sealed.tag]),
      );
      await insertRows(
        m,
        'record_text_keys',
        KEY_INSERT_COLUMNS,
        records.map((r) => [r.id, tenantId, r.textKey.kekId, r.textKey.wrapped]),
      );
    });
  }

  async findByIdempotencyKey(
    tenantId: string,
    applicationId: string,
    key: string,
  ): Promise<RecordRow | undefined> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<RawRecordRow[]>(
        `SELECT ${RECORD_COLUMNS} FROM records
          WHERE tenant_id = $1 AND application_id = $2 AND idempotency_key = $3`,
        [tenantId, applicationId, key],
      ),
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async findById(tenantId: string, id: string): Promise<RecordRow | undefined> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<RawRecordRow[]>(
        `SELECT ${RECORD_COLUMNS} FROM records WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id],
      ),
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** The sealed text, with its key unless the text was erased. */
  async findText(tenantId: string, id: string): Promise<StoredSealedText | undefined> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<({ iv: Buffer; ciphertext: Buffer; tag: Buffer } & StoredTextKey)[]>(
        `SELECT t.iv, t.ciphertext, t.tag, ${textKeyColumns('k')}
           FROM record_texts t LEFT JOIN record_text_keys k ON k.record_id = t.record_id
          WHERE t.tenant_id = $1 AND t.record_id = $2`,
        [tenantId, id],
      ),
    );
    const row = rows[0];
    return row && { iv: row.iv, ciphertext: row.ciphertext, tag: row.tag, key: storedTextKey(row) };
  }

  /** These records (those that exist), with their concept shares and sealed texts. */
  async findStoredByIds(tenantId: string, ids: readonly string[]): Promise<StoredRecord[]> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<
        (RawRecordRow & {
          storedTime: string;
          conceptShares: Record<string, number>;
          conceptDetections: Record<string, number> | null;
          iv: Buffer | null;
          ciphertext: Buffer | null;
          tag: Buffer | null;
        } & StoredTextKey)[]
      >(
        `SELECT ${JOINED_RECORD_COLUMNS},
                to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "storedTime",
                r.concept_shares AS "conceptShares",
                r.concept_detections AS "conceptDetections", t.iv, t.ciphertext, t.tag,
                ${textKeyColumns('k')}
           FROM records r
           LEFT JOIN record_texts t ON t.record_id = r.id
           LEFT JOIN record_text_keys k ON k.record_id = r.id
          WHERE r.tenant_id = $1 AND r.id = ANY($2::uuid[])`,
        [tenantId, ids],
      ),
    );
    return rows.map(
      ({
        iv,
        ciphertext,
        tag,
        dataKey,
        kekId,
        wrapped,
        conceptShares,
        conceptDetections,
        storedTime,
        ...row
      }) => ({
        ...toRecord(row),
        storedTime,
        conceptShares,
        conceptDetections,
        text:
          iv && ciphertext && tag
            ? { iv, ciphertext, tag, key: storedTextKey({ dataKey, kekId, wrapped }) }
            : null,
      }),
    );
  }

  /**
   * A page of the records a report covers, in log order: those below index `before` (the
   * report's checkpoint) and after index `after` (the last of the previous page), with their log
   * entry and, when `withText`, their sealed text. Keyset pages on the log index: a report over
   * any number of records holds one page at a time.
   */
  /** The first and last log index of the tenant's records in [from, to); null when there are none. */
  async logIndexRange(
    tenantId: string,
    from: Date | undefined,
    to: Date | undefined,
  ): Promise<{ first: number; last: number } | null> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ first: string | null; last: string | null }[]>(
        `SELECT min(log_index) AS first, max(log_index) AS last FROM records
          WHERE tenant_id = $1 AND created_at >= coalesce($2::timestamptz, '-infinity')
            AND created_at < coalesce($3::timestamptz, 'infinity')`,
        [tenantId, from ?? null, to ?? null],
      ),
    );
    const { first, last } = rows[0];
    return first === null || last === null ? null : { first: Number(first), last: Number(last) };
  }

  /** How many records a scope holds below `before`, counting at most `cap` + 1 of them. */
  async countInScope(
    tenantId: string,
    scope: RecordScope,
    before: number,
    cap: number,
  ): Promise<number> {
    const { where, params } = scopeFilter(tenantId, scope, { after: -1, before });
    params.push(cap + 1);
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ count: number }[]>(
        `SELECT count(*)::int AS count FROM (
           SELECT 1 FROM records r
             JOIN log_entries e ON e.tenant_id = r.tenant_id AND e.log_index = r.log_index
            WHERE ${where.join(' AND ')} LIMIT $${params.length}) AS capped`,
        params,
      ),
    );
    return rows[0].count;
  }

  /**
   * The records of a scope below `before` and the bytes of their signed bodies: what a report's
   * evidence package over them carries at the least. octet_length reads a stored body's size from
   * its TOAST header, without fetching or decompressing it.
   */
  async bodyBytesInScope(
    tenantId: string,
    scope: RecordScope,
    before: number,
  ): Promise<{ records: number; bytes: number }> {
    const { where, params } = scopeFilter(tenantId, scope, { after: -1, before });
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ records: number; bytes: string }[]>(
        `SELECT count(*)::int AS records, coalesce(sum(octet_length(e.body)), 0)::text AS bytes
           FROM records r
           JOIN log_entries e ON e.tenant_id = r.tenant_id AND e.log_index = r.log_index
          WHERE ${where.join(' AND ')}`,
        params,
      ),
    );
    return { records: rows[0].records, bytes: Number(rows[0].bytes) };
  }

  /**
   * Every record of a scope below `before`, in log order, `batch` at a time through a cursor:
   * one query however many records a report covers, and memory for two batches.
   */
  async *streamInScope(
    tenantId: string,
    scope: RecordScope,
    options: { after: number; before: number; withText: boolean; batch: number },
  ): AsyncGenerator<ScopedRecordRow[]> {
    const { sql, params } = scopeQuery(tenantId, scope, options, options.withText);
    for await (const rows of this.db.stream<ScopedRaw>(tenantId, sql, params, options.batch)) {
      yield rows.map(toScopedRow);
    }
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async search(tenantId: string, s: RecordSearch): Promise<RecordRow[]> {
    const where = ['tenant_id = $1'];
    const params: unknown[] = [tenantId];
    const add = (clause: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (s.from) add((n) => `created_at >= ${n}`, s.from);
    if (s.to) add((n) => `created_at < ${n}`, s.to);
    if (s.applicationId) add((n) => `application_id = ${n}`, s.applicationId);
    if (s.policyOutcome) add((n) => `policy_outcome = ${n}`, s.policyOutcome);
    if (s.caseId) add((n) => `case_id = ${n}`, s.caseId);
    if (s.concept) {
      add((n) => `concept_shares ? ${n}`, s.concept);
      const concept = `$${params.length}`;
      if (s.minShare !== undefined) {
        add((n) => `(concept_shares ->> ${concept})::float8 >= ${n}`, s.minShare);
      }
      if (s.detected !== undefined) {
        add(
          (n) => `(concept_detections ->> ${concept})::float8 ${s.detected ? '>=' : '<'} ${n}`,
          DETECTED_AT,
        );
      }
    }
    if (s.reviewState) {
      where.push(
        `${s.reviewState === 'reviewed' ? '' : 'NOT '}EXISTS (SELECT 1 FROM log_entries e
          WHERE e.tenant_id = records.tenant_id AND e.subject_id = records.id AND e.kind = 'review')`,
      );
    }
    const oldest = s.order === 'oldest';
    if (s.after) {
      params.push(s.after.createdAt, s.after.id);
      where.push(
        `(created_at, id) ${oldest ? '>' : '<'} ($${params.length - 1}, $${params.length})`,
      );
    }
    params.push(s.limit);
    const direction = oldest ? 'ASC' : 'DESC';
    const rows = await this.db.run(tenantId, (m) =>
      m.query<RawRecordRow[]>(
        `SELECT ${RECORD_COLUMNS} FROM records WHERE ${where.join(' AND ')}
          ORDER BY created_at ${direction}, id ${direction} LIMIT $${params.length}`,
        params,
      ),
    );
    return rows.map(toRecord);
  }
}
