import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from 'src/database/embedded-postgres';
import { freePort } from 'test/support/ports';

declare global {
  var __EMBEDDED_TEST_PG__: { server: EmbeddedPostgres; dir: string } | undefined;
}

/**
 * One PostgreSQL server for the whole run: `TEST_DATABASE_URL` when set (CI's production path),
 * otherwise an embedded server in a temporary folder. Each test file then creates its own
 * database on it (test/support/test-database.ts), so files run in parallel without shared state.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    process.env.TEST_PG_ADMIN_URL = process.env.TEST_DATABASE_URL;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'audit-test-pg-'));
  const server = await EmbeddedPostgres.start({
    dataDir: dir,
    port: await freePort(),
    database: 'postgres',
  });
  globalThis.__EMBEDDED_TEST_PG__ = { server, dir };
  process.env.TEST_PG_ADMIN_URL = server.url('postgres');
}
