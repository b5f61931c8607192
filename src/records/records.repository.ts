import { Injectable } from '@nestjs/common';
import { TenantDatabase } from 'src/database/tenant-database';
import { SealedText } from 'src/records/record-text-cipher';

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
  text: { iv: Buffer; ciphertext: Buffer; tag: Buffer; dataKey: Buffer | null } | null;
}

export interface RecordSearch {
  from?: Date;
  to?: Date;
  applicationId?: string;
  concept?: string;
  minShare?: number;
  policyOutcome?: 'pass' | 'flag' | 'block';
  caseId?: string;
  /** Keyset cursor: the (created_at, id) of the last record of the previous page. */
  after?: { createdAt: Date; id: string };
  limit: number;
}

const RECORD_COLUMNS = `id, log_index AS "logIndex", application_id AS "applicationId",
  created_at AS "createdAt", provenance, purpose, case_id AS "caseId",
  policy_outcome AS "policyOutcome", request_sha256 AS "requestSha256"`;

type RawRecordRow = Omit<RecordRow, 'logIndex'> & { logIndex: string };
const toRecord = (row: RawRecordRow): RecordRow => ({ ...row, logIndex: Number(row.logIndex) });

@Injectable()
export class RecordsRepository {
  constructor(private readonly db: TenantDatabase) {}

  async byIdempotencyKey(
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

  async byId(tenantId: string, id: string): Promise<RecordRow | undefined> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<RawRecordRow[]>(
        `SELECT ${RECORD_COLUMNS} FROM records WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id],
      ),
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** The sealed text, with its key unless the text was erased. */
  async text(
    tenantId: string,
    id: string,
  ): Promise<(Omit<SealedText, 'dataKey'> & { dataKey: Buffer | null }) | undefined> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ iv: Buffer; ciphertext: Buffer; tag: Buffer; data_key: Buffer | null }[]>(
        `SELECT t.iv, t.ciphertext, t.tag, k.data_key
           FROM record_texts t LEFT JOIN record_text_keys k ON k.record_id = t.record_id
          WHERE t.tenant_id = $1 AND t.record_id = $2`,
        [tenantId, id],
      ),
    );
    const row = rows[0];
    return row && { iv: row.iv, ciphertext: row.ciphertext, tag: row.tag, dataKey: row.data_key };
  }

  /** Records in id order after `after`, with their concept shares and sealed texts. */
  async stored(
    tenantId: string,
    after: string | undefined,
    limit: number,
  ): Promise<StoredRecord[]> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<
        (RawRecordRow & {
          storedTime: string;
          conceptShares: Record<string, number>;
          iv: Buffer | null;
          ciphertext: Buffer | null;
          tag: Buffer | null;
          dataKey: Buffer | null;
        })[]
      >(
        `SELECT r.id, r.log_index AS "logIndex", r.application_id AS "applicationId",
                r.created_at AS "createdAt", r.provenance, r.purpose, r.case_id AS "caseId",
                r.policy_outcome AS "policyOutcome", r.request_sha256 AS "requestSha256",
                to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "storedTime",
                r.concept_shares AS "conceptShares", t.iv, t.ciphertext, t.tag,
                k.data_key AS "dataKey"
           FROM records r
           LEFT JOIN record_texts t ON t.record_id = r.id
           LEFT JOIN record_text_keys k ON k.record_id = r.id
          WHERE r.tenant_id = $1 AND ($2::uuid IS NULL OR r.id > $2::uuid)
          ORDER BY r.id LIMIT $3`,
        [tenantId, after ?? null, limit],
      ),
    );
    return rows.map(({ iv, ciphertext, tag, dataKey, conceptShares, storedTime, ...row }) => ({
      ...toRecord(row),
      storedTime,
      conceptShares,
      text: iv && ciphertext && tag ? { iv, ciphertext, tag, dataKey } : null,
    }));
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
    }
    if (s.after) {
      params.push(s.after.createdAt, s.after.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(s.limit);
    const rows = await this.db.run(tenantId, (m) =>
      m.query<RawRecordRow[]>(
        `SELECT ${RECORD_COLUMNS} FROM records WHERE ${where.join(' AND ')}
          ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
        params,
      ),
    );
    return rows.map(toRecord);
  }
}
