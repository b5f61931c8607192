import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  CLUSTER_POINTER_FILE,
  REACHABLE_ROOT,
  relocatedClusterHome,
} from 'src/database/embedded-postgres-location';
import { verifyPackageZip } from 'src/verifier/package';
import { freePort } from 'test/support/ports';
import { waitFor } from 'test/support/wait';

// The README's quick start, as a new user runs it: a clone inside a folder of mode 0700 (root's
// home, a `mktemp -d` folder), then `npm start` with nothing configured. As root (CI) the embedded
// PostgreSQL runs as `postgres`, which cannot enter that folder; as another user the folder is
// simply their own. The clone is of the committed HEAD: commit before running this test.
const ROOT = join(__dirname, '..', '..');
const asRoot = userInfo().uid === 0;

/**
 * node_modules for the clone without `npm ci` (about 40 s and the network): hard links to this
 * checkout's installed files (`cp -al`), so the packages really sit below the 0700 folder, as
 * after `npm ci`, and the embedded PostgreSQL binaries must be reachable from there. Hard links
 * need one filesystem; across two, a symbolic link still runs the quick start but leaves the
 * binaries where the server user can reach them (the cluster placement is still tested).
 */
function installNodeModules(app: string): void {
  const installed = realpathSync(join(ROOT, 'node_modules'));
  try {
    execFileSync('cp', ['-al', installed, join(app, 'node_modules')], { stdio: 'pipe' });
  } catch {
    rmSync(join(app, 'node_modules'), { recursive: true, force: true });
    symlinkSync(installed, join(app, 'node_modules'));
  }
}

interface Started {
  child: ChildProcess;
  output: () => string;
  /** npm, the shell and the service have all exited (the service held npm's output pipes). */
  closed: Promise<void>;
}

function npmStart(app: string, env: Record<string, string>): Started {
  const child = spawn('npm', ['start'], {
    cwd: app,
    // Nothing configured: DATA_DIR defaults to ./data in the clone.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    // Its own process group, so Ctrl-C can be sent as a terminal sends it: to the whole group.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { child, output: () => output, closed };
}

async function closedWithin(started: Started, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), ms)),
  );
  const result = await Promise.race([started.closed, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    killGroup(started);
    throw new Error(`npm start did not exit within ${ms} ms:\n${started.output()}`);
  }
}

function killGroup(started: Started): void {
  try {
    if (started.child.pid) process.kill(-started.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

describe('the quick start in a fresh clone below a 0700 folder', () => {
  const base = mkdtempSync(join(tmpdir(), 'audit-quick-start-'));
  const app = join(base, 'app');
  let started: Started | undefined;

  beforeAll(() => {
    chmodSync(base, 0o700);
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, app], { stdio: 'pipe' });
    installNodeModules(app);
  });

  afterAll(async () => {
    if (started) {
      killGroup(started);
      await started.closed;
    }
    // A cluster placed outside the clone is removed with it (only a folder the service made).
    const pointer = join(app, 'data', CLUSTER_POINTER_FILE);
    if (existsSync(pointer)) {
      const home = relocatedClusterHome(REACHABLE_ROOT, readFileSync(pointer, 'utf8').trim());
      if (home) rmSync(home, { recursive: true, force: true });
    }
    rmSync(base, { recursive: true, force: true });
  });

  /** `npm start` in the clone, once it answers GET /health and its /ready says the database is up. */
  async function startServing(): Promise<Started & { pid: number; dbPort: number; port: number }> {
    const port = await freePort();
    const dbPort = await freePort();
    const run = npmStart(app, { PORT: String(port), EMBEDDED_DB_PORT: String(dbPort) });
    started = run;
    const pid = run.child.pid;
    if (!pid) throw new Error('npm did not start');
    // Build (swc), embedded PostgreSQL's first initdb, migrations and model load: generous.
    await waitFor(
      async () => {
        if (run.child.exitCode !== null) throw new Error(`exited early:\n${run.output()}`);
        const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      },
      'GET /health to answer 200',
      150_000,
    );
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    const body = (await ready.json()) as { info?: { database?: { status?: string } } };
    expect({ status: ready.status, database: body.info?.database?.status }).toEqual({
      status: 200,
      database: 'up',
    });
    return { ...run, pid, dbPort, port };
  }

  /**
   * As the demo application: one generation, a decision evidence report of it built by the
   * embedded default's in-process worker, and its evidence package verified as an auditor would,
   * against the key set the service publishes.
   */
  async function reportOnEmbeddedDefault(port: number, apiKey: string): Promise<void> {
    const base = `http://127.0.0.1:${port}`;
    const post = (path: string, body: object) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const get = (path: string) =>
      fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${apiKey}` } });
    const generated = await post('/v1/generations', { prompt: 'The bank approved', maxTokens: 6 });
    expect(generated.status).toBe(201);
    const { recordId } = (await generated.json()) as { recordId: string };
    const requested = await post('/v1/reports', { kind: 'decision-evidence', recordId });
    expect(requested.status).toBe(202);
    const { id } = (await requested.json()) as { id: string };
    await waitFor(
      async () => {
        const view = (await (await get(`/v1/reports/${id}`)).json()) as { status: string };
        if (view.status === 'failed') throw new Error(`report failed: ${JSON.stringify(view)}`);
        return view.status === 'succeeded' ? true : undefined;
      },
      'the report to be built',
      120_000,
    );
    const zip = Buffer.from(await (await get(`/v1/reports/${id}/evidence`)).arrayBuffer());
    const keys = await (await fetch(`${base}/.well-known/jwks.json`)).json();
    expect((await verifyPackageZip(zip, keys)).filter((c) => !c.ok)).toEqual([]);
  }

  /**
   * Ctrl-C in the terminal: SIGINT to the foreground process group. npm and its shell exit on it
   * at once (npm re-raises the signal: that is npm's way); the service shuts down gracefully and
   * logs "stopped" last, after an error if anything failed (it then exits 1).
   */
  async function stopWithCtrlC(run: Started & { pid: number; dbPort: number }): Promise<void> {
    process.kill(-run.pid, 'SIGINT');
    await closedWithin(run, 60_000);
    const log = run.output();
    expect(log).toContain('"msg":"stopped"');
    expect(log.slice(log.indexOf('shutting down'))).not.toMatch(/"level":"(error|fatal)"/);
    // The embedded server went down with the service: its port refuses connections.
    const probe = new Client({
      connectionString: `postgres://nobody@127.0.0.1:${run.dbPort}/audit`,
      connectionTimeoutMillis: 2_000,
    });
    await expect(probe.connect()).rejects.toThrow(/ECONNREFUSED/);
  }

  it('npm start serves /health and /ready, stops cleanly on Ctrl-C, and finds its data again', async () => {
    expect(statSync(base).mode & 0o777).toBe(0o700);
    expect(execFileSync('git', ['-C', app, 'rev-parse', 'HEAD']).toString()).toBe(
      execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD']).toString(),
    );
    const first = await startServing();
    expect(first.output()).toContain('One-time password');
    const apiKey = /Application key\s+(\S+)/.exec(first.output())?.[1];
    if (!apiKey) throw new Error(`no demo key in the output:\n${first.output()}`);
    await reportOnEmbeddedDefault(first.port, apiKey);

    // Where the cluster went: beside the clone's data only if the server user can reach it.
    const pointer = join(app, 'data', CLUSTER_POINTER_FILE);
    let clusterDir = join(app, 'data', 'postgres');
    if (asRoot) {
      clusterDir = readFileSync(pointer, 'utf8').trim();
      expect(relocatedClusterHome(REACHABLE_ROOT, clusterDir)).toBeDefined();
      const cluster = statSync(clusterDir);
      expect(cluster.uid).toBe(Number(execFileSync('id', ['-u', 'postgres']).toString()));
      expect(cluster.mode & 0o777).toBe(0o700);
    } else {
      expect(existsSync(pointer)).toBe(false);
    }
    expect(existsSync(join(clusterDir, 'PG_VERSION'))).toBe(true);
    // The credentials stay in DATA_DIR, and the folder the user cloned into is left as it was.
    expect(existsSync(join(app, 'data', 'embedded-postgres.json'))).toBe(true);
    expect(statSync(base).mode & 0o777).toBe(0o700);
    await stopWithCtrlC(first);

    // The second start uses the same cluster: the demo tenant is there, so no new credentials.
    const second = await startServing();
    expect(second.output()).not.toContain('One-time password');
    expect(second.output()).toContain(`"clusterDir":"${clusterDir}"`);
    await stopWithCtrlC(second);
  }, 300_000);
});
