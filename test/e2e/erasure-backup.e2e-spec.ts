import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogService } from 'src/log/log.service';
import { TextKeyProvider } from 'src/text-keys/text-key-provider';
import { call, newWorld, World } from 'test/support/auth-fixtures';
import { postAsApplication } from 'test/support/records-fixtures';
import { createTestApp, TestApp } from 'test/support/test-app';
import { createTestDatabase, queryOnce as query, TestDatabase } from 'test/support/test-database';

/**
 * Erasure that survives backups (issue 16): a database backup taken before an erasure, restored
 * into a fresh database, still holds the erased record's ciphertext and wrapped key, yet the
 * text cannot be read, because the key that wrapped it lived outside the database and was
 * destroyed. The log, which holds no text, still verifies.
 *
 * The backup is `pg_dump` when the installed client can dump the server (CI's PostgreSQL 15);
 * against a newer server (the embedded PostgreSQL of the no-database run, which ships no
 * pg_dump) it is the server's own copy of the database, CREATE DATABASE ... TEMPLATE.
 */

function pgDumpMajor(): number | null {
  try {
    const out = execFileSync('pg_dump', ['--version'], { encoding: 'utf8' });
    return Number(/\) (\d+)/.exec(out)?.[1] ?? NaN) || null;
  } catch {
    return null;
  }
}

/** Backs `database` up (no one connected to it); the returned function restores it into `into`. */
async function backUp(
  database: TestDatabase,
  dir: string,
): Promise<{ how: string; restore: (into: TestDatabase) => Promise<void> }> {
  const [{ server_version_num }] = await query<{ server_version_num: string }>(
    database.url,
    `SHOW server_version_num`,
  );
  const serverMajor = Math.floor(Number(server_version_num) / 10_000);
  const client = pgDumpMajor();
  if (client !== null && client >= serverMajor) {
    const file = join(dir, 'backup.dump');
    execFileSync('pg_dump', ['--format=custom', `--file=${file}`, database.url]);
    return {
      how: `pg_dump ${client}`,
      restore: (into) => {
        execFileSync('pg_restore', ['--exit-on-error', `--dbname=${into.url}`, file]);
        return Promise.resolve();
      },
    };
  }
  const copy = await createTestDatabase();
  await copy.drop();
  await query(database.url, `CREATE DATABASE "${copy.name}" TEMPLATE "${database.name}"`);
  return {
    how: 'CREATE DATABASE ... TEMPLATE',
    restore: async (into) => {
      await into.drop();
      await query(database.url, `CREATE DATABASE "${into.name}" TEMPLATE "${copy.name}"`);
      await copy.drop();
    },
  };
}

describe('erasure survives database backups', () => {
  let database: TestDatabase;
  let restored: TestDatabase | undefined;
  let t: TestApp | undefined;
  let dir: string;
  let w: World;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'erasure-backup-'));
  });
  afterAll(async () => {
    await t?.close({ keepDatabase: true });
    await database.drop();
    await restored?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const generate = async (prompt: string) => {
    const res = await postAsApplication(t!, '/v1/generations', w.keys.generate.key, {
      prompt,
      maxTokens: 6,
      seed: 1,
    });
    expect(res.status).toBe(201);
    return (res.body as { recordId: string }).recordId;
  };
  const textOf = async (app: TestApp, id: string) => {
    const res = await call(app, 'get', `/v1/records/${id}`, w.people.compliance_officer);
    expect(res.status).toBe(200);
    return (res.body as { text: { prompt: string } | null }).text;
  };
  const keyRow = (url: string, id: string) =>
    query<{ kek_id: string | null; wrapped_key: Buffer | null; data_key: Buffer | null }>(
      url,
      `SELECT kek_id, wrapped_key, data_key FROM record_text_keys WHERE record_id = $1`,
      [id],
    );

  it('a backup from before an erasure, restored, cannot read the erased text; the log still verifies', async () => {
    t = await createTestApp({ database, runWorkers: false });
    w = await newWorld(t);
    const erased = await generate('The patient asked us to forget');
    const kept = await generate('The bank approved the loan');
    expect((await textOf(t, erased))?.prompt).toBe('The patient asked us to forget');
    const [before] = await keyRow(database.url, erased);
    // Stored wrapped under the first key of the record's day, never plain.
    const day = (before.kek_id ?? '').split('/')[1];
    expect(before).toMatchObject({ data_key: null, kek_id: `${w.tenantId}/${day}/1` });
    const keyDir = t.config.TEXT_KEY_DIR!;
    const signingFile = t.config.SIGNING_KEY_FILE!;

    await t.close({ keepDatabase: true });
    t = undefined;
    const backup = await backUp(database, dir);
    t = await createTestApp({ database, runWorkers: false });

    const erasure = await call(t, 'post', `/v1/records/${erased}/erasure`, w.people.admin, {
      reason: 'GDPR Art. 17 request from the data subject',
    });
    expect(erasure.status).toBe(201);
    // Live: the erased text is gone, the other is re-wrapped under the day's new key and reads.
    expect(await textOf(t, erased)).toBeNull();
    expect((await textOf(t, kept))?.prompt).toBe('The bank approved the loan');
    expect((await keyRow(database.url, kept))[0].kek_id).toBe(`${w.tenantId}/${day}/2`);
    expect(readdirSync(join(keyDir, w.tenantId))).toEqual([`${day}.2.kek`]);
    const live = await t.app.get(LogService).verify(w.tenantId);
    expect(live.problems).toEqual([]);
    await t.close({ keepDatabase: true });
    t = undefined;

    // The backup restored into a fresh database, the service started on it with the same keys.
    restored = await createTestDatabase();
    await backup.restore(restored);
    const [inBackup] = await keyRow(restored.url, erased);
    expect(inBackup.kek_id).toBe(before.kek_id);
    expect(inBackup.wrapped_key).toEqual(before.wrapped_key);
    const [ciphertext] = await query<{ n: number }>(
      restored.url,
      `SELECT octet_length(ciphertext) AS n FROM record_texts WHERE record_id = $1`,
      [erased],
    );
    expect(ciphertext.n).toBeGreaterThan(0);
    expect(existsSync(join(keyDir, w.tenantId, `${day}.1.kek`))).toBe(false);

    t = await createTestApp({
      database: restored,
      runWorkers: false,
      env: { SIGNING_KEY_FILE: signingFile, TEXT_KEY_DIR: keyDir },
    });
    // The backup holds key and ciphertext, and still the text cannot be read.
    expect(
      await t.app.get(TextKeyProvider).unwrap(inBackup.kek_id!, erased, inBackup.wrapped_key!),
    ).toBeNull();
    expect(await textOf(t, erased)).toBeNull();
    // The price of one key per day: the day's other texts in the backup went with it.
    expect(await textOf(t, kept)).toBeNull();
    // The log holds no text: its tree, signatures and checkpoints verify as before.
    // Whole verification names exactly the two records whose keys this copy cannot open: it
    // does not hold the erasure entry that says why.
    const verified = await t.app.get(LogService).verify(w.tenantId);
    expect(verified.problems).toHaveLength(2);
    for (const id of [erased, kept]) {
      expect(verified.problems.join('\n')).toContain(`record ${id}`);
    }
    expect(verified.problems.join('\n')).toMatch(/gone without an erasure entry/);
    expect((await t.app.get(LogService).verifyLog(w.tenantId)).problem).toBeNull();
    process.stdout.write(`backup by ${backup.how}\n`);
  });

  it('wraps at start-up the keys an earlier version stored plain, and the texts still read', async () => {
    const other = await createTestDatabase();
    let app = await createTestApp({ database: other, runWorkers: false });
    try {
      w = await newWorld(app);
      t = app;
      const ids = [await generate('An older record'), await generate('Another older record')];
      // As version 0.x stored them: the data key itself in the row.
      for (const id of ids) {
        const [row] = await keyRow(other.url, id);
        const dataKey = await app.app
          .get(TextKeyProvider)
          .unwrap(row.kek_id!, id, row.wrapped_key!);
        await query(
          other.url,
          `UPDATE record_text_keys SET data_key = $2, kek_id = NULL, wrapped_key = NULL
            WHERE record_id = $1`,
          [id, dataKey],
        );
      }
      expect((await keyRow(other.url, ids[0]))[0].data_key).toHaveLength(32);
      await app.close({ keepDatabase: true });
      app = await createTestApp({ database: other, runWorkers: false });
      t = app;
      for (const id of ids) {
        const [row] = await keyRow(other.url, id);
        expect(row.data_key).toBeNull();
        expect(row.kek_id).toMatch(new RegExp(`^${w.tenantId}/\\d{4}-\\d{2}-\\d{2}/1$`));
      }
      expect((await textOf(app, ids[1]))?.prompt).toBe('Another older record');
      expect(app.logText()).toContain('wrapped 2 plain text keys');
      expect((await app.app.get(LogService).verify(w.tenantId)).problems).toEqual([]);
    } finally {
      t = undefined;
      await app.close();
    }
  });
});
