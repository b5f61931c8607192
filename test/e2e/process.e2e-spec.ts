import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from 'test/support/ports';
import { waitFor } from 'test/support/wait';

// The real entry point, run as its own process (TypeScript compiled on the fly by @swc-node).
const ROOT = join(__dirname, '..', '..');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startMain(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output: () => output, exited };
}

async function exitWithin(started: Started, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), ms)),
  );
  const result = await Promise.race([started.exited, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    started.child.kill('SIGKILL');
    throw new Error(`process did not exit within ${ms} ms:\n${started.output()}`);
  }
  return result;
}

describe('the service process', () => {
  it('refuses a bad PORT, naming the variable', async () => {
    const started = startMain({ PORT: 'abc' });
    const code = await exitWithin(started, 30_000);
    expect(code).not.toBe(0);
    expect(started.output()).toContain('PORT: must be a whole number');
  });

  it('refuses an unreachable DATABASE_URL, naming the server and the cause', async () => {
    const started = startMain({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/x' });
    const code = await exitWithin(started, 30_000);
    expect(code).not.toBe(0);
    expect(started.output()).toContain('cannot connect to PostgreSQL at 127.0.0.1:1/x as nobody');
    expect(started.output()).toContain('ECONNREFUSED');
  });

  describe('with no configuration (embedded default)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'audit-e2e-data-'));
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    async function startEmbedded(): Promise<{ started: Started; port: number; dbPort: number }> {
      const port = await freePort();
      const dbPort = await freePort();
      const started = startMain({
        PORT: String(port),
        DATA_DIR: dataDir,
        EMBEDDED_DB_PORT: String(dbPort),
      });
      await waitFor(
        async () => {
          if (started.child.exitCode !== null)
            throw new Error(`exited early:\n${started.output()}`);
          const res = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
          return res?.status === 200 ? true : undefined;
        },
        'the service to be ready',
        90_000,
      );
      return { started, port, dbPort };
    }

    function embeddedUrl(dbPort: number): string {
      const { user, password } = JSON.parse(
        readFileSync(join(dataDir, 'embedded-postgres.json'), 'utf8'),
      ) as {
        user: string;
        password: string;
      };
      return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${dbPort}/audit`;
    }

    it('serves the operational endpoints, keeps data across a restart, and stops cleanly', async () => {
      const first = await startEmbedded();
      // First start: a demo tenant, its one-time credentials printed once and working.
      const banner = /One-time password (\S+)[\s\S]*Application key\s+(iak_\S+)/.exec(
        first.started.output(),
      );
      expect(banner).not.toBeNull();
      const [, password, key] = banner ?? [];
      const base = `http://127.0.0.1:${first.port}`;
      const signIn = await fetch(`${base}/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ organisation: 'demo', email: 'admin@demo.example', password }),
      });
      expect(signIn.status).toBe(200);
      const session = await fetch(`${base}/v1/auth/session`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(session.status).toBe(200);
      // Everything but the banner itself (logs, Nest and PostgreSQL output) is free of them.
      const output = first.started.output();
      const bannerStart = output.indexOf('Demo tenant created');
      const bannerEnd = output.indexOf('/v1/auth/session', bannerStart);
      const rest = output.slice(0, bannerStart) + output.slice(bannerEnd);
      expect(rest).toContain('demo tenant created');
      expect(rest).not.toContain(password);
      expect(rest).not.toContain(key);
      expect(output.split(password).length - 1).toBe(1);

      for (const path of ['/health', '/ready', '/docs-json', '/metrics']) {
        expect((await fetch(`http://127.0.0.1:${first.port}${path}`)).status).toBe(200);
      }
      const client = new Client({ connectionString: embeddedUrl(first.dbPort) });
      await client.connect();
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO jobs (queue, kind, status, max_attempts, payload)
         VALUES ('jobs', 'restart.marker', 'failed', 1, '{"kept": true}') RETURNING id`,
      );
      await client.end();

      first.started.child.kill('SIGTERM');
      expect(await exitWithin(first.started, 30_000)).toBe(0);
      expect(first.started.output()).toContain('"msg":"stopped"');
      // The embedded server went down with the service: its port is closed.
      const probe = new Client({
        connectionString: embeddedUrl(first.dbPort),
        connectionTimeoutMillis: 2000,
      });
      await expect(probe.connect()).rejects.toThrow();

      const second = await startEmbedded();
      expect(second.started.output()).not.toContain('One-time password');
      expect(second.started.output()).not.toContain(password);
      const again = new Client({ connectionString: embeddedUrl(second.dbPort) });
      await again.connect();
      const found = await again.query('SELECT payload FROM jobs WHERE id = $1', [
        inserted.rows[0].id,
      ]);
      await again.end();
      expect(found.rows).toEqual([{ payload: { kept: true } }]);

      second.started.child.kill('SIGINT');
      expect(await exitWithin(second.started, 30_000)).toBe(0);
    });
  });
});
