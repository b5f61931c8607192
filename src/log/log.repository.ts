import { Injectable } from '@nestjs/common';
import { TenantDatabase } from 'src/database/tenant-database';
import { insertRows } from 'src/database/insert-rows';
import { LogEntryKind } from 'src/evidence-format/entry';
import { CommittedEntry } from 'src/log/log.types';

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

/** The columns an appended entry writes, in insert order (the records benchmark's baseline copies them). */
export const ENTRY_INSERT_COLUMNS = ENTRY_COLUMNS.split(',').map((c) => c.trim());
/** created_at to the microsecond, for verification (a JS Date keeps only milliseconds). */
const STORED_TIME = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS stored_time`;

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
   * Runs `work` in a transaction of its own for the tenant (never a caller's: the group commit
   * appends on behalf of many callers). The repository's append steps below join it.
   */
  inAppendTransaction<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
    return this.db.detached(() => this.db.run(tenantId, work));
  }

  /**
   * Takes the log head's row lock, which orders the appends of every process, and reads the size
   * and the commit time the next entries get.
   */
  lockHead(tenantId: string): Promise<{ size: number; time: string }> {
    return this.db.run(tenantId, async (m) => {
      await m.query(
        `INSERT INTO log_heads (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`,
        [tenantId],
      );
      const [head] = await m.query<{ size: string; now: Date }[]>(
        `SELECT size, clock_timestamp() AS now FROM log_heads WHERE tenant_id = $1 FOR UPDATE`,
        [tenantId],
      );
      return { size: Number(head.size), time: head.now.toISOString() };
    });
  }

  /** Inserts entries (contiguous, from the locked head) in one statement. */
  insertEntries(tenantId: string, entries: readonly CommittedEntry[]): Promise<void> {
    return this.db.run(tenantId, (m) =>
      insertRows(
        m,
        'log_entries',
        ENTRY_INSERT_COLUMNS,
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
      ),
    );
  }

  /** Moves the head past `count` entries appended after it. */
  advanceHead(tenantId: string, count: number): Promise<void> {
    return this.db.run(tenantId, async (m) => {
      await m.query(`UPDATE log_heads SET size = size + $2 WHERE tenant_id = $1`, [
        tenantId,
        count,
      ]);
    });
  }

  findHeadSize(tenantId: string): Promise<number> {
    return this.db.run(tenantId, async (m) => {
      const rows = await m.query<{ size: string }[]>(
        `SELECT size FROM log_heads WHERE tenant_id = $1`,
        [tenantId],
      );
      return rows.length === 0 ? 0 : Number(rows[0].size);
    });
  }

  /** Leaf hashes of indexes [from, to), in order. */
  listLeafHashes(tenantId: string, from: number, to: number): Promise<Buffer[]> {
    return this.db.run(tenantId, async (m) => {
      const rows = await m.query<{ leaf_hash: Buffer }[]>(
        `SELECT leaf_hash FROM log_entries
          WHERE tenant_id = $1 AND log_index >= $2 AND log_index < $3 ORDER BY log_index`,
        [tenantId, from, to],
      );
      return rows.map((r) => r.leaf_hash);
    });
  }

  async findEntryById(tenantId: string, id: string): Promise<CommittedEntry | undefined> {
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
  async listEntriesAboutForDisplay(
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

  async listEntriesAbout(tenantId: string, subjectId: string): Promise<CommittedEntry[]> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<EntryRow[]>(
        `SELECT ${ENTRY_COLUMNS} FROM log_entries
          WHERE tenant_id = $1 AND subject_id = $2 ORDER BY log_index`,
        [tenantId, subjectId],
      ),
    );
    return rows.map(toEntry);
  }

  /** The entries about any of these subjects, below index `before`, in index order. */
  async listEntriesAboutMany(
    tenantId: string,
    subjectIds: readonly string[],
    before: number,
  ): Promise<CommittedEntry[]> {
    if (subjectIds.length === 0) return [];
    const rows = await this.db.run(tenantId, (m) =>
      m.query<EntryRow[]>(
        `SELECT ${ENTRY_COLUMNS} FROM log_entries
          WHERE tenant_id = $1 AND subject_id = ANY($2::uuid[]) AND log_index < $3
          ORDER BY log_index`,
        [tenantId, subjectIds, before],
      ),
    );
    return rows.map(toEntry);
  }

  /**
   * A page of the entries of these kinds committed in [from, to) and below index `before`,
   * after index `after`, in index order (a keyset page: memory stays flat over any period).
   */
  async listEntriesOfKindsBetween(
    tenantId: string,
    page: {
      kinds: readonly LogEntryKind[];
      from: Date;
      to: Date;
      before: number;
      after: number;
      limit: number;
    },
  ): Promise<CommittedEntry[]> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<EntryRow[]>(
        `SELECT ${ENTRY_COLUMNS} FROM log_entries
          WHERE tenant_id = $1 AND kind = ANY($2::text[]) AND created_at >= $3 AND created_at < $4
            AND log_index < $5 AND log_index > $6
          ORDER BY log_index LIMIT $7`,
        [tenantId, page.kinds, page.from, page.to, page.before, page.after, page.limit],
      ),
    );
    return rows.map(toEntry);
  }

  /** Entries [from, to) in index order: for full-log verification. */
  async listEntries(tenantId: string, from: number, to: number): Promise<CommittedEntry[]> {
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
  async insertCheckpoint(
    tenantId: string,
    checkpoint: Omit<StoredCheckpoint, 'createdAt'>,
  ): Promise<StoredCheckpoint> {
    return this.db.run(tenantId, async (m) => {
      await m.query(
        `INSERT INTO checkpoints (tenant_id, size, root, note) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, size) DO NOTHING`,
        [tenantId, checkpoint.size, checkpoint.root, checkpoint.note],
      );
      const stored = await this.findCheckpoint(tenantId, checkpoint.size);
      if (!stored) throw new Error('a checkpoint just stored is missing');
      return stored;
    });
  }

  /** The checkpoint of that size, or the latest when size is undefined. */
  async findCheckpoint(tenantId: string, size?: number): Promise<StoredCheckpoint | undefined> {
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
  async listCheckpoints(tenantId: string): Promise<StoredCheckpoint[]> {
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

  /** Entries of one kind after `afterIndex` (-1: from the start), in index order. */
  async listEntriesOfKind(
    tenantId: string,
    kind: LogEntryKind,
    afterIndex: number,
    limit: number,
  ): Promise<CommittedEntry[]> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<EntryRow[]>(
        `SELECT ${ENTRY_COLUMNS}, ${STORED_TIME} FROM log_entries
          WHERE tenant_id = $1 AND kind = $2 AND log_index > $3 ORDER BY log_index LIMIT $4`,
        [tenantId, kind, afterIndex, limit],
      ),
    );
    return rows.map(toEntry);
  }

  /** Tenants whose log has grown past their latest checkpoint (for the scheduled signer). */
  listTenantsToCheckpoint(): Promise<string[]> {
    return this.db
      .withoutTenant<{ tenant_id: string }[]>(
        `SELECT tenant_id FROM log_tenants_to_checkpoint()`,
        [],
      )
      .then((rows) => rows.map((r) => r.tenant_id));
  }
}
