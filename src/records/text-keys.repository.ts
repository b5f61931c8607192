import { Injectable } from '@nestjs/common';
import { TenantDatabase } from 'src/database/tenant-database';

/**
 * A record's text key as stored: wrapped under a KEK of the text-key store (`kekId`, `wrapped`),
 * or, for a row written before the store existed and not yet wrapped, the plain `dataKey`.
 * A record whose text was erased has no row.
 */
export interface StoredTextKey {
  dataKey: Buffer | null;
  kekId: string | null;
  wrapped: Buffer | null;
}

/** The SQL that reads a StoredTextKey from `record_text_keys` aliased `alias`. */
export function textKeyColumns(alias: string): string {
  return `${alias}.data_key AS "dataKey", ${alias}.kek_id AS "kekId", ${alias}.wrapped_key AS "wrapped"`;
}

/** The StoredTextKey of a joined row, null when the join found no key (erased). */
export function storedTextKey(row: StoredTextKey): StoredTextKey | null {
  const { dataKey, kekId, wrapped } = row;
  return dataKey || (kekId && wrapped) ? { dataKey, kekId, wrapped } : null;
}

/** The rows of `record_text_keys` that erasure and re-wrapping change. */
@Injectable()
export class TextKeysRepository {
  constructor(private readonly db: TenantDatabase) {}

  /** The keys of records wrapped under any of these KEKs, but for the records `except`. */
  under(
    tenantId: string,
    kekIds: readonly string[],
    except: readonly string[],
  ): Promise<(StoredTextKey & { recordId: string; createdAt: Date })[]> {
    return this.db.run(tenantId, (m) =>
      m.query(
        `SELECT k.record_id AS "recordId", r.created_at AS "createdAt", ${textKeyColumns('k')}
           FROM record_text_keys k JOIN records r ON r.id = k.record_id
          WHERE k.tenant_id = $1 AND k.kek_id = ANY($2::text[])
            AND NOT (k.record_id = ANY($3::uuid[]))`,
        [tenantId, kekIds, except],
      ),
    );
  }

  /** Keys of these records (those that still have one). */
  of(
    tenantId: string,
    recordIds: readonly string[],
  ): Promise<(StoredTextKey & { recordId: string })[]> {
    return this.db.run(tenantId, (m) =>
      m.query(
        `SELECT record_id AS "recordId", ${textKeyColumns('k')}
           FROM record_text_keys k WHERE k.tenant_id = $1 AND k.record_id = ANY($2::uuid[])`,
        [tenantId, recordIds],
      ),
    );
  }

  /** Up to `limit` keys still stored plain (written before the text-key store). */
  plain(
    tenantId: string,
    limit: number,
  ): Promise<(StoredTextKey & { recordId: string; createdAt: Date })[]> {
    return this.db.run(tenantId, (m) =>
      m.query(
        `SELECT k.record_id AS "recordId", r.created_at AS "createdAt", ${textKeyColumns('k')}
           FROM record_text_keys k JOIN records r ON r.id = k.record_id
          WHERE k.tenant_id = $1 AND k.data_key IS NOT NULL
          ORDER BY k.record_id LIMIT $2`,
        [tenantId, limit],
      ),
    );
  }

  /** Stores these keys wrapped (and no longer plain). */
  async rewrap(
    tenantId: string,
    keys: readonly { recordId: string; kekId: string; wrapped: Buffer }[],
  ): Promise<void> {
    const CHUNK = 5_000;
    for (let i = 0; i < keys.length; i += CHUNK) {
      const part = keys.slice(i, i + CHUNK);
      await this.db.run(tenantId, (m) =>
        m.query(
          `UPDATE record_text_keys k
              SET data_key = NULL, kek_id = u.kek_id, wrapped_key = u.wrapped_key
             FROM unnest($2::uuid[], $3::text[], $4::bytea[]) AS u(record_id, kek_id, wrapped_key)
            WHERE k.tenant_id = $1 AND k.record_id = u.record_id`,
          [
            tenantId,
            part.map((k) => k.recordId),
            part.map((k) => k.kekId),
            part.map((k) => k.wrapped),
          ],
        ),
      );
    }
  }

  /** Deletes the keys of these records; returns the ids whose key was there to delete. */
  delete(tenantId: string, recordIds: readonly string[]): Promise<string[]> {
    return this.db.run(tenantId, async (m) => {
      const erased = await m.query<{ record_id: string }[]>(
        // As a SELECT over the deletion: TypeORM returns a bare DELETE as [rows, count].
        `WITH erased AS (
           DELETE FROM record_text_keys WHERE tenant_id = $1 AND record_id = ANY($2::uuid[])
           RETURNING record_id)
         SELECT record_id FROM erased`,
        [tenantId, recordIds],
      );
      return erased.map((r) => r.record_id);
    });
  }

  /** Which of these KEKs some key row still names. */
  async referenced(tenantId: string, kekIds: readonly string[]): Promise<Set<string>> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ kek_id: string }[]>(
        `SELECT DISTINCT kek_id FROM record_text_keys
          WHERE tenant_id = $1 AND kek_id = ANY($2::text[])`,
        [tenantId, kekIds],
      ),
    );
    return new Set(rows.map((r) => r.kek_id));
  }

  /** Tenants that have text keys (every tenant with a record), for the start-up pass. */
  async tenants(): Promise<string[]> {
    const rows = await this.db.withoutTenant<{ tenant_id: string }[]>(
      `SELECT tenant_id FROM record_text_key_tenants()`,
      [],
    );
    return rows.map((r) => r.tenant_id);
  }
}
