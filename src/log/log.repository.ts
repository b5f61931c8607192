import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { TenantDatabase } from 'src/database/tenant-database';
import { AttachedRow, CommittedEntry, LogEntryKind, LogSlot } from 'src/log/log.types';
import { TextAlreadyErasedError } from 'src/log/log.errors';

/** Columns of each attached table, in insert order, with the value each row supplies. */
const ATTACHED: {
  [T in AttachedRow['table']]: {
    columns: string[];
    values: (slot: LogSlot, v: Extract<AttachedRow, { table: T }>['values']) => unknown[];
  };
} = {
  records: {
    columns: [
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
      'idempotency_key',
      'request_sha256',
    ],
    values: (s, v) => [
      s.id,
      s.tenantId,
      s.logIndex,
      s.time,
      v.applicationId,
      v.provenance,
      v.purpose,
      v.caseId,
      v.policyOutcome,
      JSON.stringify(v.conceptShares),
      v.idempotencyKey,
      v.requestSha256,
    ],
  },
  record_texts: {
    columns: ['record_id', 'tenant_id', 'iv', 'ciphertext', 'tag'],
    values: (s, v) => [s.id, s.tenantId, v.iv, v.ciphertext, v.tag],
  },
  record_text_keys: {
    columns: ['record_id', 'tenant_id', 'data_key'],
    values: (s, v) => [s.id, s.tenantId, v.dataKey],
  },
};
/** Parent tables first: a record row references its entry, a text its record, a key its text. */
const ATTACH_ORDER: AttachedRow['table'][] = ['records', 'record_texts', 'record_text_keys'];

interface EntryRow {
  tenant_id: string;
  log_index: string;
  id: string;
  kind: LogEntryKind;
  subject_id: string | null;
  body: string;
  leaf_hash: Buffer;
  signature: Buffer;
  key_id: string;
  created_at: Date;
  stored_time?: string;
}

export interface StoredCheckpoint {
  size: number;
  root: Buffer;
  note: string;
  createdAt: Date;
}

const ENTRY_COLUMNS = `tenant_id, log_index, id, kind, subject_id, body, leaf_hash, signature,
  key_id, created_at`;

/** The columns a committed record writes, per table (what the records benchmark's baseline copies). */
export const STORED_COLUMNS = {
  log_entries: ENTRY_COLUMNS.split(',').map((c) => c.trim()),
  records: ATTACHED.records.columns,
  record_texts: ATTACHED.record_texts.columns,
  record_text_keys: ATTACHED.record_text_keys.columns,
} as const;
/** created_at to the microsecond, for verification (a JS Date keeps only milliseconds). */
const STORED_TIME = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS stored_time`;

/** Multi-row INSERT of `rows` (each as long as `columns`) in one statement. */
async function insertRows(
  m: EntityManager,
  table: string,
  columns: string[],
  rows: unknown[][],
): Promise<void> {
  if (rows.length === 0) return;
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const marks = row.map((value) => {
      params.push(value);
      return `$${params.length}`;
    });
    return `(${marks.join(', ')})`;
  });
  await m.query(
    `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`,
    params,
  );
}

function toEntry(row: EntryRow): CommittedEntry {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    logIndex: Number(row.log_index),
    time: row.created_at.toISOString(),
    kind: row.kind,
    subjectId: row.subject_id,
    canonical: row.body,
    leafHash: row.leaf_hash,
    signature: row.signature,
    keyId: row.key_id,
    ...(row.stored_time ? { storedTime: row.stored_time } : {}),
  };
}

@Injectable()
export class LogRepository {
  constructor(private readonly db: TenantDatabase) {}

  /**
   * Appends a batch of entries to a tenant's log in one transaction: takes the log head's row
   * lock (which orders writers of every process), lets `prepare` build the entries for the
   * indexes that follow the head, inserts them and their attached rows, and moves the head. A
   * failure anywhere rolls all of it back: no gap, no entry without its rows.
   */
  appendBatch(
    tenantId: string,
    count: number,
    prepare: (
      firstIndex: number,
      time: string,
    ) => Promise<{ entries: CommittedEntry[]; attached: AttachedRow[][]; erasures: string[] }>,
  ): Promise<CommittedEntry[]> {
    return this.db.detached(() =>
      this.db.run(tenantId, async (m) => {
        await m.query(
          `INSERT INTO log_heads (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`,
          [tenantId],
        );
        const [head] = await m.query<{ size: string; now: Date }[]>(
          `SELECT size, clock_timestamp() AS now FROM log_heads WHERE tenant_id = $1 FOR UPDATE`,
          [tenantId],
        );
        const { entries, attached, erasures } = await prepare(
          Number(head.size),
          head.now.toISOString(),
        );
        if (entries.length !== count) throw new Error('a batch must prepare every entry');
        await insertRows(
          m,
          'log_entries',
          STORED_COLUMNS.log_entries,
          entries.map((e) => [
            e.tenantId,
            e.logIndex,
            e.id,
            e.kind,
            e.subjectId,
            e.canonical,
            e.leafHash,
            e.signature,
            e.keyId,
            e.time,
          ]),
        );
        for (const table of ATTACH_ORDER) {
          const spec = ATTACHED[table];
          const rows: unknown[][] = [];
          entries.forEach((entry, i) => {
            for (const row of attached[i]) {
              if (row.table !== table) continue;
              rows.push((spec.values as (s: LogSlot, v: unknown) => unknown[])(entry, row.values));
            }
          });
          await insertRows(m, table, spec.columns, rows);
        }
        if (erasures.length > 0) {
          const erased = await m.query<{ record_id: string }[]>(
            // As a SELECT over the deletion: TypeORM returns a bare DELETE as [rows, count].
            `WITH erased AS (
               DELETE FROM record_text_keys WHERE tenant_id = $1 AND record_id = ANY($2::uuid[])
               RETURNING record_id)
             SELECT record_id FROM erased`,
            [tenantId, erasures],
          );
          if (erased.length !== erasures.length) {
            throw new TextAlreadyErasedError(
              erasures.filter((id) => !erased.some((r) => r.record_id === id)),
            );
          }
        }
        await m.query(`UPDATE log_heads SET size = size + $2 WHERE tenant_id = $1`, [
          tenantId,
          count,
        ]);
        return entries;
      }),
    );
  }

  headSize(tenantId: string): Promise<number> {
    return this.db.run(tenantId, async (m) => {
      const rows = await m.query<{ size: string }[]>(
        `SELECT size FROM log_heads WHERE tenant_id = $1`,
        [tenantId],
      );
      return rows.length === 0 ? 0 : Number(rows[0].size);
    });
  }

  /** Leaf hashes of indexes [from, to), in order. */
  leafHashes(tenantId: string, from: number, to: number): Promise<Buffer[]> {
    return this.db.run(tenantId, async (m) => {
      const rows = await m.query<{ leaf_hash: Buffer }[]>(
        `SELECT leaf_hash FROM log_entries
          WHERE tenant_id = $1 AND log_index >= $2 AND log_index < $3 ORDER BY log_index`,
        [tenantId, from, to],
      );
      return rows.map((r) => r.leaf_hash);
    });
  }

  async entryById(tenantId: string, id: string): Promise<CommittedEntry | undefined> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<EntryRow[]>(
        `SELECT ${ENTRY_COLUMNS} FROM log_entries WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id],
      ),
    );
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  /**
   * The entries about a record for display: every review and erasure, the latest `reads`
   * access entries (a record read often would otherwise grow without bound), and how many
   * access entries there are in all.
   */
  async entriesAboutForDisplay(
    tenantId: string,
    subjectId: string,
    reads: number,
  ): Promise<{ entries: CommittedEntry[]; accessCount: number }> {
    return this.db.run(tenantId, async (m) => {
      const rows = await m.query<EntryRow[]>(
        `(SELECT ${ENTRY_COLUMNS} FROM log_entries
           WHERE tenant_id = $1 AND subject_id = $2 AND kind <> 'access')
         UNION ALL
         (SELECT ${ENTRY_COLUMNS} FROM log_entries
           WHERE tenant_id = $1 AND subject_id = $2 AND kind = 'access'
           ORDER BY log_index DESC LIMIT $3)
         ORDER BY log_index`,
        [tenantId, subjectId, reads],
      );
      const [{ count }] = await m.query<{ count: string }[]>(
        `SELECT count(*) AS count FROM log_entries
          WHERE tenant_id = $1 AND subject_id = $2 AND kind = 'access'`,
        [tenantId, subjectId],
      );
      return { entries: rows.map(toEntry), accessCount: Number(count) };
    });
  }

  async entriesAbout(tenantId: string, subjectId: string): Promise<CommittedEntry[]> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<EntryRow[]>(
        `SELECT ${ENTRY_COLUMNS} FROM log_entries
          WHERE tenant_id = $1 AND subject_id = $2 ORDER BY log_index`,
        [tenantId, subjectId],
      ),
    );
    return rows.map(toEntry);
  }

  /** Entries [from, to) in index order: for full-log verification. */
  async entries(tenantId: string, from: number, to: number): Promise<CommittedEntry[]> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<EntryRow[]>(
        `SELECT ${ENTRY_COLUMNS}, ${STORED_TIME} FROM log_entries
          WHERE tenant_id = $1 AND log_index >= $2 AND log_index < $3 ORDER BY log_index`,
        [tenantId, from, to],
      ),
    );
    return rows.map(toEntry);
  }

  /** Stores a checkpoint; one of the same size already stored wins (it signs the same root). */
  async saveCheckpoint(
    tenantId: string,
    checkpoint: Omit<StoredCheckpoint, 'createdAt'>,
  ): Promise<StoredCheckpoint> {
    return this.db.run(tenantId, async (m) => {
      await m.query(
        `INSERT INTO checkpoints (tenant_id, size, root, note) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, size) DO NOTHING`,
        [tenantId, checkpoint.size, checkpoint.root, checkpoint.note],
      );
      const stored = await this.checkpoint(tenantId, checkpoint.size);
      if (!stored) throw new Error('a checkpoint just stored is missing');
      return stored;
    });
  }

  /** The checkpoint of that size, or the latest when size is undefined. */
  async checkpoint(tenantId: string, size?: number): Promise<StoredCheckpoint | undefined> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ size: string; root: Buffer; note: string; created_at: Date }[]>(
        size === undefined
          ? `SELECT size, root, note, created_at FROM checkpoints WHERE tenant_id = $1
              ORDER BY size DESC LIMIT 1`
          : `SELECT size, root, note, created_at FROM checkpoints WHERE tenant_id = $1 AND size = $2`,
        size === undefined ? [tenantId] : [tenantId, size],
      ),
    );
    const row = rows[0];
    return row
      ? { size: Number(row.size), root: row.root, note: row.note, createdAt: row.created_at }
      : undefined;
  }

  /** Every stored checkpoint, smallest first (for verification). */
  async checkpoints(tenantId: string): Promise<StoredCheckpoint[]> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ size: string; root: Buffer; note: string; created_at: Date }[]>(
        `SELECT size, root, note, created_at FROM checkpoints WHERE tenant_id = $1 ORDER BY size`,
        [tenantId],
      ),
    );
    return rows.map((r) => ({
      size: Number(r.size),
      root: r.root,
      note: r.note,
      createdAt: r.created_at,
    }));
  }

  /** Record entries with no records row (a row deleted or moved to another tenant). */
  async recordEntriesWithoutRow(tenantId: string, limit: number): Promise<CommittedEntry[]> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<EntryRow[]>(
        `SELECT ${ENTRY_COLUMNS} FROM log_entries e
          WHERE e.tenant_id = $1 AND e.kind = 'record'
            AND NOT EXISTS (SELECT 1 FROM records r WHERE r.id = e.id AND r.tenant_id = e.tenant_id)
          ORDER BY e.log_index LIMIT $2`,
        [tenantId, limit],
      ),
    );
    return rows.map(toEntry);
  }

  /** Tenants whose log has grown past their latest checkpoint (for the scheduled signer). */
  tenantsToCheckpoint(): Promise<string[]> {
    return this.db
      .withoutTenant<{ tenant_id: string }[]>(
        `SELECT tenant_id FROM log_tenants_to_checkpoint()`,
        [],
      )
      .then((rows) => rows.map((r) => r.tenant_id));
  }
}
