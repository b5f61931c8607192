import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from 'src/database/embedded-postgres';
import { freePort } from 'test/support/ports';
import { createTestDatabase, queryOnce, TestDatabase } from 'test/support/test-database';

// The real CLI entry point, as its own process (TypeScript compiled on the fly by @swc-node).
const ROOT = join(__dirname, '..', '..');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/cli/cli.ts', ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** `--json` output: exactly one JSON document on stdout. */
function parsed<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(
      `stdout is not one JSON document:\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
}

function ok(result: CliResult): CliResult {
  if (result.code !== 0) {
    throw new Error(`exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return result;
}

describe('the admin CLI', () => {
  let database: TestDatabase;
  // Every secret the CLI printed, and every stderr it wrote: checked against each other at the end.
  const secrets: string[] = [];
  const stderrs: string[] = [];
  let tenantId = '';

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  async function run(...args: string[]): Promise<CliResult> {
    const result = await cli(args, {
      DATABASE_URL: database.url,
      SIGNING_KEY_FILE: join(tmpdir(), `audit-signing-${database.name}.json`),
      SIGNING_KEY_PASSPHRASE: 'test passphrase, not a secret',
      TEXT_KEY_DIR: join(tmpdir(), `audit-text-keys-${database.name}`),
    });
    stderrs.push(result.stderr);
    return result;
  }

  const admin = <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    queryOnce<R>(database.url, sql, params);

  it('tenant:create --json gives the tenant id and the admin one-time password', async () => {
    const result = ok(
      await run(
        'tenant:create',
        '--name',
        "St Mary's Hospital",
        '--admin-email',
        'Admin@St-Marys.example',
        '--json',
      ),
    );
    const out = parsed<{
      tenant: { id: string; slug: string };
      admin: { email: string; role: string };
      oneTimePassword: string;
    }>(result);
    expect(out.tenant.slug).toBe('st-marys-hospital');
    expect(out.admin).toMatchObject({ email: 'admin@st-marys.example', role: 'admin' });
    expect(out.oneTimePassword.length).toBeGreaterThanOrEqual(12);
    secrets.push(out.oneTimePassword);
    tenantId = out.tenant.id;
    const users = await admin<{ role: string; password_must_change: boolean }>(
      'SELECT role, password_must_change FROM users WHERE tenant_id = $1',
      [tenantId],
    );
    expect(users).toEqual([{ role: 'admin', password_must_change: true }]);
  });

  it('a second tenant with the same slug exits 1 with a clear error', async () => {
    const result = await run(
      'tenant:create',
      '--name',
      'Another',
      '--slug',
      'st-marys-hospital',
      '--admin-email',
      'x@another.example',
      '--json',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: a tenant with slug "st-marys-hospital" already exists');
    expect(parsed(result)).toEqual({
      error: {
        code: 'tenant_slug_taken',
        message: 'a tenant with slug "st-marys-hospital" already exists',
      },
    });
    expect(await admin('SELECT id FROM tenants')).toHaveLength(1);
  });

  it('app:create --json prints the API key once; key:revoke by prefix revokes it', async () => {
    const created = parsed<{
      application: { id: string; name: string };
      key: { prefix: string; scopes: string[] };
      apiKey: string;
    }>(
      ok(
        await run(
          'app:create',
          '--tenant',
          'st-marys-hospital',
          '--name',
          'discharge-assistant',
          '--scopes',
          'generate,records:read',
          '--json',
        ),
      ),
    );
    expect(created.apiKey).toMatch(/^iak_[a-z0-9]{12}_/);
    expect(created.apiKey.startsWith(`${created.key.prefix}_`)).toBe(true);
    expect(created.key.scopes).toEqual(['generate', 'records:read']);
    secrets.push(created.apiKey);
    const prefix = created.key.prefix.replace(/^iak_/, '');
    const before = await admin<{ revoked_at: Date | null }>(
      'SELECT revoked_at FROM api_keys WHERE prefix = $1',
      [prefix],
    );
    expect(before).toEqual([{ revoked_at: null }]);

    const revoked = ok(
      await run('key:revoke', '--tenant', tenantId, '--key', created.key.prefix, '--json'),
    );
    expect(parsed(revoked)).toMatchObject({ key: { status: 'revoked' } });
    expect(revoked.stdout).not.toContain(created.apiKey);
    const after = await admin<{ revoked_at: Date | null }>(
      'SELECT revoked_at FROM api_keys WHERE prefix = $1',
      [prefix],
    );
    expect(after[0].revoked_at).toBeInstanceOf(Date);
  });

  it('user:create prints the one-time password for people; auditor:grant gives access', async () => {
    const created = ok(
      await run(
        'user:create',
        '--tenant',
        'st-marys-hospital',
        '--email',
        'auditor@firm.example',
        '--role',
        'auditor',
      ),
    );
    const password = /one-time password:\s+(\S+)/.exec(created.stdout)?.[1];
    expect(password).toBeDefined();
    expect(created.stdout).toMatch(/shown once/);
    secrets.push(password ?? '');

    const until = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const granted = parsed<{ grant: { status: string; validUntil: string } }>(
      ok(
        await run(
          'auditor:grant',
          '--tenant',
          'st-marys-hospital',
          '--email',
          'auditor@firm.example',
          '--until',
          until,
          '--reason',
          'FY2026 audit',
          '--json',
        ),
      ),
    );
    expect(granted.grant).toMatchObject({ status: 'active', validUntil: until });
    const grants = await admin<{ email: string; reason: string; granted_by: string | null }>(
      `SELECT u.email, g.reason, g.granted_by
         FROM auditor_grants g JOIN users u ON u.id = g.user_id
        WHERE g.tenant_id = $1`,
      [tenantId],
    );
    expect(grants).toEqual([
      { email: 'auditor@firm.example', reason: 'FY2026 audit', granted_by: null },
    ]);
  });

  it('a bad role exits 2, names the flag, and creates nothing', async () => {
    const before = await admin('SELECT id FROM users');
    const result = await run(
      'user:create',
      '--tenant',
      'st-marys-hospital',
      '--email',
      'someone@st-marys.example',
      '--role',
      'superuser',
      '--json',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--role: "superuser" is not a role');
    expect(result.stderr).toContain('usage: npm run cli -- user:create');
    expect(parsed(result)).toMatchObject({ error: { code: 'invalid_arguments' } });
    expect(await admin('SELECT id FROM users')).toHaveLength(before.length);
  });

  it('an unknown tenant slug exits 1', async () => {
    const result = await run(
      'user:create',
      '--tenant',
      'nowhere',
      '--email',
      'a@b.example',
      '--role',
      'admin',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: no tenant with slug nowhere');
    expect(result.stdout).toBe('');
  });

  it('never writes a secret it printed to stderr', () => {
    expect(secrets.length).toBe(3);
    for (const stderr of stderrs) {
      for (const secret of secrets) expect(stderr).not.toContain(secret);
    }
  });
});

describe('the admin CLI on the embedded default', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'audit-e2e-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  function embeddedUrl(port: number): string {
    const { user, password } = JSON.parse(
      readFileSync(join(dataDir, 'embedded-postgres.json'), 'utf8'),
    ) as { user: string; password: string };
    return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/audit`;
  }

  it('starts and stops its own server, or attaches to a running one and leaves it up', async () => {
    const port = await freePort();
    const env = { DATA_DIR: dataDir, EMBEDDED_DB_PORT: String(port) };
    const alone = ok(
      await cli(['tenant:create', '--name', 'Embedded', '--admin-email', 'a@e.example'], env),
    );
    expect(alone.stdout).toContain('slug:               embedded');
    // Its own server went down with it.
    const probe = new Client({
      connectionString: embeddedUrl(port),
      connectionTimeoutMillis: 2000,
    });
    await expect(probe.connect()).rejects.toThrow();

    // As if the service were running on the same folder: a second postmaster could not start.
    const server = await EmbeddedPostgres.start({ dataDir, port, database: 'audit' });
    try {
      ok(
        await cli(
          ['user:create', '--tenant', 'embedded', '--email', 'b@e.example', '--role', 'admin'],
          env,
        ),
      );
      const users = await queryOnce<{ email: string }>(
        embeddedUrl(port),
        'SELECT email FROM users ORDER BY email',
      );
      expect(users.map((u) => u.email)).toEqual(['a@e.example', 'b@e.example']);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
