import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres, removeEmbeddedData } from 'src/database/embedded-postgres';
import { freePort } from 'test/support/ports';

/** The PostgreSQL server the tests use when TEST_DATABASE_URL is unset on these machines. */
const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  /** Where the server is, for the output (no credentials). */
  readonly server: string;
  /** Owner connection URL of the fresh database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database (and stops an embedded server this created). */
  drop(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function onAdmin(adminUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for one run, picked as the tests pick theirs (test/support/global-setup.ts):
 * BENCH_DATABASE_URL or TEST_DATABASE_URL when set, else the local server at 127.0.0.1:5432,
 * else an embedded server in a temporary folder. The app migrates it when it starts.
 */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const configured = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  let adminUrl = configured ?? LOCAL_SERVER;
  let embedded: { server: EmbeddedPostgres; dir: string } | undefined;
  if (!configured && !(await reachable(adminUrl))) {
    const dir = mkdtempSync(join(tmpdir(), 'audit-bench-pg-'));
    const server = await EmbeddedPostgres.start({
      dataDir: dir,
      port: await freePort(),
      database: 'postgres',
    });
    embedded = { server, dir };
    adminUrl = server.url('postgres');
  }
  const name = `audit_bench_${randomBytes(6).toString('hex')}`;
  await onAdmin(adminUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    server: embedded ? 'embedded PostgreSQL (temporary)' : `${url.host}`,
    url: url.toString(),
    name,
    drop: async () => {
      await onAdmin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      if (embedded) {
        await embedded.server.stop();
        removeEmbeddedData(embedded.dir);
      }
    },
  };
}
