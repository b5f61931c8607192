import { Client } from 'pg';
import { QueryRunner } from 'typeorm';
import { AddRecordConceptDetections1795600900000 } from '../../migrations/1795600900000-AddRecordConceptDetections';
import { LogService } from 'src/log/log.service';
import { call, newWorld, World } from 'test/support/auth-fixtures';
import { postAsApplication } from 'test/support/records-fixtures';
import { createTestApp, TestApp } from 'test/support/test-app';

/** A column value as comparable text (bytes as hex, times to the microsecond as stored). */
function shown(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  return JSON.stringify(value);
}

interface Generated {
  recordId: string;
  logIndex: number;
}

/**
 * One changed byte (or the smallest change a column's type allows) in any stored field of a
 * record or log row is found by verification, and the problem names the record or entry. Each
 * change is made by the table owner with the append-only triggers switched off (what an
 * attacker with database superuser rights could do), checked, and undone.
 */
describe('tamper evidence: every stored field of records and log rows', () => {
  let t: TestApp;
  let w: World;
  let owner: Client;
  let records: Generated[];
  let reviewId: string;
  let erasedId: string;

  const verify = () => t.app.get(LogService).verify(w.tenantId);

  beforeAll(async () => {
    t = await createTestApp({ runWorkers: false });
    w = await newWorld(t);
    owner = new Client({ connectionString: t.database.url });
    await owner.connect();
    records = [];
    for (const [i, prompt] of ['The treasury', 'The patient', 'The licence'].entries()) {
      const res = await postAsApplication(t, '/v1/generations', w.keys.generate.key, {
        prompt,
        maxTokens: 6,
        seed: i,
        context: { purpose: 'audit test', caseId: `CASE-${i}` },
      });
      expect(res.status).toBe(201);
      records.push(res.body as Generated);
    }
    const review = await call(
      t,
      'post',
      `/v1/records/${records[0].recordId}/reviews`,
      w.people.compliance_officer,
      { verdict: 'approved' },
    );
    reviewId = (review.body as { body: { id: string } }).body.id;
    erasedId = records[2].recordId;
    const erased = await call(t, 'post', `/v1/records/${erasedId}/erasure`, w.people.admin, {
      reason: 'erasure request',
    });
    expect(erased.status).toBe(201);
    await call(t, 'post', '/v1/log/checkpoints', w.people.admin);
  });
  afterAll(async () => {
    await owner.end();
    await t.close();
  });

  it('finds nothing wrong with the log as written', async () => {
    expect(await verify()).toMatchObject({ problems: [], records: 3 });
  });

  /** Applies `change` to one row with the triggers off, verifies, and restores the row. */
  async function tampered(table: string, column: string, where: string, change: string) {
    const key = `${table}.${column}`;
    // As text, so a microsecond or one byte shows, and the exact value can be put back.
    const original = await owner.query(
      `SELECT "${column}"::text AS v FROM "${table}" WHERE ${where}`,
    );
    expect({ key, rows: original.rowCount }).toEqual({ key, rows: 1 });
    await owner.query(`ALTER TABLE "${table}" DISABLE TRIGGER USER`);
    try {
      await owner.query(`UPDATE "${table}" SET "${column}" = ${change} WHERE ${where}`);
      const after = await owner.query(
        `SELECT "${column}"::text AS v FROM "${table}" WHERE ${where}`,
      );
      expect({ key, changed: shown(after.rows[0].v) !== shown(original.rows[0].v) }).toEqual({
        key,
        changed: true,
      });
      return (await verify()).problems;
    } finally {
      await owner.query(`UPDATE "${table}" SET "${column}" = $1 WHERE ${where}`, [
        original.rows[0].v,
      ]);
      await owner.query(`ALTER TABLE "${table}" ENABLE TRIGGER USER`);
    }
  }

  const flipByte = (column: string) => `set_byte("${column}", 0, get_byte("${column}", 0) # 1)`;
  /** One character of a text changed to its neighbour (a → b), at position `at`. */
  const nudgeChar = (column: string, at = 5) =>
    `overlay("${column}" placing chr(ascii(substr("${column}", ${at}, 1)) # 1) from ${at} for 1)`;

  it.each([
    ['log_entries', 'body', (c: string) => nudgeChar(c, 40)],
    ['log_entries', 'leaf_hash', flipByte],
    ['log_entries', 'signature', flipByte],
    ['log_entries', 'key_id', (c: string) => nudgeChar(c, 3)],
    ['log_entries', 'created_at', (c: string) => `"${c}" + interval '1 microsecond'`],
    ['log_entries', 'kind', () => `'review'`],
    ['records', 'created_at', (c: string) => `"${c}" + interval '1 microsecond'`],
    ['log_entries', 'subject_id', () => `gen_random_uuid()`],
    ['records', 'provenance', () => `'submitted'`],
    ['records', 'purpose', (c: string) => nudgeChar(c, 2)],
    ['records', 'case_id', (c: string) => nudgeChar(c, 1)],
    ['records', 'policy_outcome', () => `'flag'`],
    [
      'records',
      'concept_shares',
      (c: string) => `jsonb_set("${c}", ARRAY[(SELECT min(k) FROM jsonb_object_keys("${c}") k)],
        to_jsonb(("${c}" ->> (SELECT min(k) FROM jsonb_object_keys("${c}") k))::numeric + 0.0001))`,
    ],
    [
      'records',
      'concept_detections',
      (c: string) => `jsonb_set("${c}", ARRAY[(SELECT min(k) FROM jsonb_object_keys("${c}") k)],
        to_jsonb(("${c}" ->> (SELECT min(k) FROM jsonb_object_keys("${c}") k))::numeric + 0.0001))`,
    ],
    // Dropped, as if the record stated no detection.
    ['records', 'concept_detections', () => `NULL`],
    ['record_texts', 'iv', flipByte],
    ['record_texts', 'ciphertext', flipByte],
    ['record_texts', 'tag', flipByte],
    ['record_text_keys', 'wrapped_key', flipByte],
    ['record_text_keys', 'kek_id', (c: string) => `regexp_replace("${c}", '/[0-9]+$', '/9')`],
  ])('detects a change of %s.%s and names the record', async (table, column, change) => {
    const id = records[1].recordId;
    const where =
      table === 'log_entries'
        ? `id = '${id}'`
        : table === 'records'
          ? `id = '${id}'`
          : `record_id = '${id}'`;
    const problems = await tampered(table, column, where, change(column));
    expect(problems.join('\n')).toContain(id);
  });

  it('detects a changed log index, application or subject, naming the record or entry', async () => {
    const [a, b] = records;
    const moved = await tampered('records', 'log_index', `id = '${a.recordId}'`, `${b.logIndex}`);
    expect(moved.join('\n')).toContain(a.recordId);
    const otherApp = await tampered(
      'records',
      'application_id',
      `id = '${a.recordId}'`,
      `'${w.applicationId}'`,
    );
    expect(otherApp.join('\n')).toContain(a.recordId);
    const subject = await tampered(
      'log_entries',
      'subject_id',
      `id = '${reviewId}'`,
      `'${b.recordId}'`,
    );
    expect(subject.join('\n')).toContain(reviewId);
    const gap = await tampered(
      'log_entries',
      'log_index',
      `id = '${reviewId}'`,
      `log_index + 1000`,
    );
    expect(gap.join('\n')).toMatch(/index/);
  });

  it('detects a records row that is gone, naming its record', async () => {
    const id = records[1].recordId;
    const row = await owner.query<{ tenant_id: string }>(
      `SELECT tenant_id FROM records WHERE id = $1`,
      [id],
    );
    // Replica mode switches off every trigger, foreign keys included (a superuser's power):
    // the row moves to another tenant, which for this tenant's evidence is the same as gone.
    await owner.query(`SET session_replication_role = replica`);
    try {
      await owner.query(`UPDATE records SET tenant_id = gen_random_uuid() WHERE id = $1`, [id]);
      expect((await verify()).problems.join('\n')).toContain(`record ${id}`);
    } finally {
      await owner.query(`UPDATE records SET tenant_id = $2 WHERE id = $1`, [
        id,
        row.rows[0].tenant_id,
      ]);
      await owner.query(`SET session_replication_role = origin`);
    }
    expect(await verify()).toMatchObject({ problems: [] });
  });

  it('detects a deleted text key without an erasure entry, and a changed checkpoint', async () => {
    const id = records[0].recordId;
    await owner.query(`ALTER TABLE record_text_keys DISABLE TRIGGER USER`);
    const { rows } = await owner.query<{ kek_id: string; wrapped_key: Buffer }>(
      `DELETE FROM record_text_keys WHERE record_id = $1 RETURNING kek_id, wrapped_key`,
      [id],
    );
    try {
      expect((await verify()).problems.join('\n')).toContain(`record ${id}`);
    } finally {
      await owner.query(
        `INSERT INTO record_text_keys (record_id, tenant_id, kek_id, wrapped_key)
         VALUES ($1, $2, $3, $4)`,
        [id, w.tenantId, rows[0].kek_id, rows[0].wrapped_key],
      );
      await owner.query(`ALTER TABLE record_text_keys ENABLE TRIGGER USER`);
    }
    const where = `tenant_id = '${w.tenantId}' AND size = (SELECT max(size) FROM checkpoints WHERE tenant_id = '${w.tenantId}')`;
    expect((await tampered('checkpoints', 'root', where, flipByte('root'))).join('\n')).toMatch(
      /checkpoint of size/,
    );
    expect(
      (await tampered('checkpoints', 'note', where, nudgeChar('note', 60))).join('\n'),
    ).toMatch(/checkpoint of size/);
    // The erased record is still fine: its key is gone with an erasure entry that says so.
    expect(await verify()).toMatchObject({ problems: [] });
    expect(erasedId).not.toBe(id);
  });
  it('fills concept_detections of records written before its migration, from their signed bodies', async () => {
    const columns = () =>
      owner
        .query<{ id: string; d: string | null }>(
          `SELECT id, concept_detections::text AS d FROM records WHERE tenant_id = $1 ORDER BY id`,
          [w.tenantId],
        )
        .then((r) => r.rows);
    const written = await columns();
    expect(written.filter((r) => r.d !== null)).toHaveLength(3);
    const migration = new AddRecordConceptDetections1795600900000();
    const runner = { query: (sql: string) => owner.query(sql) } as unknown as QueryRunner;
    await migration.down(runner);
    await migration.up(runner);
    expect(await columns()).toEqual(written);
    expect(await verify()).toMatchObject({ problems: [], records: 3 });
  });
});
