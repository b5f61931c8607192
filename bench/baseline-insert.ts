import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ENTRY_INSERT_COLUMNS } from 'src/log/log.repository';
import {
  KEY_INSERT_COLUMNS,
  RECORD_INSERT_COLUMNS,
  TEXT_INSERT_COLUMNS,
} from 'src/records/records.repository';

/** The four rows one committed record consists of, read back from the database. */
export interface RecordRows {
  entry: Record<string, unknown>;
  record: Record<string, unknown>;
  text: Record<string, unknown>;
  key: Record<string, unknown>;
}

// The same columns the service writes for a record, from the repositories that write them.
const ENTRY = ENTRY_INSERT_COLUMNS;
const RECORD = RECORD_INSERT_COLUMNS;
const TEXT = TEXT_INSERT_COLUMNS;
const KEY = KEY_INSERT_COLUMNS;

/** The rows of record `id` exactly as the service stored them (read as the owner). */
export async function readRecordRows(owner: Client, id: string): Promise<RecordRows> {
  const one = async (table: string, column: string) => {
    const { rows } = await owner.query<Record<string, unknown>>(
      `SELECT * FROM ${table} WHERE ${column} = $1`,
      [id],
    );
    if (!rows[0]) throw new Error(`record ${id} has no row in ${table}`);
    return rows[0];
  };
  return {
    entry: await one('log_entries', 'id'),
    record: await one('records', 'id'),
    text: await one('record_texts', 'record_id'),
    key: await one('record_text_keys', 'record_id'),
  };
}

async function insertRows(owner: Client, table: string, columns: string[], rows: unknown[][]) {
  const params: unknown[] = [];
  const tuples = rows.map((row) => `(${row.map((value) => `$${params.push(value)}`).join(', ')})`);
  await owner.query(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`,
    params,
  );
}

interface BaselineTarget {
  tenantId: string;
  applicationId: string;
  firstIndex: number;
  keyPrefix: string;
}

/** One batch's rows, table by table in foreign-key order: copies of the template's, re-keyed. */
function batchRows(
  template: RecordRows,
  target: BaselineTarget,
  from: number,
  size: number,
): [string, string[], unknown[][]][] {
  const ids = Array.from({ length: size }, () => randomUUID());
  const now = new Date();
  const t = { tenant_id: target.tenantId };
  const pick = (row: Record<string, unknown>, columns: string[], over: Record<string, unknown>) =>
    columns.map((c) => (c in over ? over[c] : row[c]));
  const slot = (id: string, i: number) => ({
    ...t,
    id,
    log_index: target.firstIndex + from + i,
    created_at: now,
  });
  return [
    ['log_entries', ENTRY, ids.map((id, i) => pick(template.entry, ENTRY, slot(id, i)))],
    [
      'records',
      RECORD,
      ids.map((id, i) =>
        pick(template.record, RECORD, {
          ...slot(id, i),
          application_id: target.applicationId,
          concept_shares: JSON.stringify(template.record.concept_shares),
          concept_detections:
            template.record.concept_detections == null
              ? null
              : JSON.stringify(template.record.concept_detections),
          idempotency_key: `${target.keyPrefix}-${from + i}`,
        }),
      ),
    ],
    ['record_texts', TEXT, ids.map((id) => pick(template.text, TEXT, { ...t, record_id: id }))],
    [
      'record_text_keys',
      KEY,
      ids.map((id) =>
        pick(template.key, KEY, {
          ...t,
          record_id: id,
          // A wrapped key names its tenant's key-encryption key (`<tenant>/<version>`).
          kek_id:
            typeof template.key.kek_id === 'string'
              ? template.key.kek_id.replace(/^[^/]+/, target.tenantId)
              : template.key.kek_id,
        }),
      ),
    ],
  ];
}

/**
 * The baseline: `count` records' rows (log entry, record, text, text key, each the size of
 * `template`) written as plain multi-row INSERTs, `batch` records per transaction, on one
 * connection as the owner. No HTTP, validation, canonicalisation, hashing, signing or encryption,
 * no row-level security and no log head: only what the database must do to store the rows.
 * Returns the wall time in ms.
 */
export async function baselineInsert(
  owner: Client,
  template: RecordRows,
  target: BaselineTarget,
  count: number,
  batch: number,
): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < count; from += batch) {
    const tables = batchRows(template, target, from, Math.min(batch, count - from));
    await owner.query('BEGIN');
    try {
      for (const [table, columns, rows] of tables) await insertRows(owner, table, columns, rows);
      await owner.query('COMMIT');
    } catch (error) {
      await owner.query('ROLLBACK');
      throw error;
    }
  }
  return performance.now() - started;
}
