import { createHash } from 'node:crypto';
import { dirname, isAbsolute, join, relative } from 'node:path';

/**
 * Where the embedded PostgreSQL keeps what its server user must reach, when it cannot reach it
 * where it is.
 *
 * PostgreSQL refuses to run as root, so for root the server runs as the `postgres` system user,
 * which must be able to enter every folder above its cluster and its binaries. A fresh clone often
 * sits below a folder closed to it: root's home is mode 0700, and so is every `mktemp -d` folder.
 * We never open up the user's folders (a chmod of their home would be a surprise with security
 * consequences); instead the cluster, and if need be a copy of the binaries, go to a root-owned,
 * world-searchable folder the server user can always enter. The credentials stay in DATA_DIR, and
 * a pointer file there names the cluster so later starts find it again.
 */
export const REACHABLE_ROOT = '/var/lib/interpretable-audit';

/** File in DATA_DIR that names a cluster kept outside DATA_DIR (one absolute path). */
export const CLUSTER_POINTER_FILE = 'postgres-location';

/** The cluster's folder inside DATA_DIR, where it lives whenever the server user can reach it. */
export const CLUSTER_SUBDIR = 'postgres';

/** `/a/b/c` gives `/`, `/a`, `/a/b`, `/a/b/c`: the folders a process must enter to reach `c`. */
export function ancestors(path: string): string[] {
  if (!isAbsolute(path)) throw new Error(`not an absolute path: ${path}`);
  const chain: string[] = [];
  for (let current = path; ; current = dirname(current)) {
    chain.unshift(current);
    if (dirname(current) === current) return chain;
  }
}

/**
 * The cluster folder for a DATA_DIR the server user cannot reach: one folder per DATA_DIR, named
 * by a hash of its absolute path, so two clones never share a cluster and the same clone finds
 * its own again even if its pointer file is lost before the first successful start.
 */
export function relocatedClusterDir(reachableRoot: string, dataDir: string): string {
  const id = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  return join(reachableRoot, 'clusters', id, CLUSTER_SUBDIR);
}

/** The folder that holds only a relocated cluster and its transient files: safe to remove whole. */
export function relocatedClusterHome(
  reachableRoot: string,
  clusterDir: string,
): string | undefined {
  const home = dirname(clusterDir);
  const path = relative(join(reachableRoot, 'clusters'), home);
  return path && !path.includes('/') && !path.startsWith('..') ? home : undefined;
}

/** Where a copy of the binaries goes when the server user cannot run them from node_modules. */
export function relocatedBinariesDir(reachableRoot: string, platformArch: string, version: string) {
  return join(reachableRoot, 'binaries', `${platformArch}-${version}`);
}

export type ClusterPlacement =
  /** `DATA_DIR/postgres`: the server user can reach DATA_DIR (or the server runs as the user). */
  | { kind: 'in-place'; clusterDir: string }
  /** Outside DATA_DIR, because `closedFolder` (when known) shuts the server user out of it. */
  | { kind: 'relocated'; clusterDir: string; closedFolder?: string }
  /** An existing cluster in DATA_DIR that the server user cannot reach: it is not moved. */
  | { kind: 'unreachable'; clusterDir: string; closedFolder: string };

export interface ClusterFacts {
  /** Absolute, with symbolic links resolved. */
  dataDir: string;
  /** `DATA_DIR/postgres` holds an initialised cluster (it has a PG_VERSION file). */
  inPlaceInitialised: boolean;
  /** The cluster named by DATA_DIR's pointer file, if it has one. */
  pointer: string | undefined;
  /** The server runs as the user that runs the service (not root): it reaches what we reach. */
  serverIsSelf: boolean;
  /** The first folder above DATA_DIR the server user cannot enter (asked only when needed). */
  firstClosedAbove: () => string | undefined;
  reachableRoot: string;
}

/** Where the cluster of a DATA_DIR is, or goes on its first start. */
export function placeCluster(facts: ClusterFacts): ClusterPlacement {
  const inPlace = join(facts.dataDir, CLUSTER_SUBDIR);
  // An existing cluster stays where it is: moving a user's database behind their back is worse
  // than a clear error.
  if (facts.inPlaceInitialised) {
    if (facts.serverIsSelf) return { kind: 'in-place', clusterDir: inPlace };
    const closedFolder = facts.firstClosedAbove();
    return closedFolder
      ? { kind: 'unreachable', clusterDir: inPlace, closedFolder }
      : { kind: 'in-place', clusterDir: inPlace };
  }
  if (facts.pointer) return { kind: 'relocated', clusterDir: facts.pointer };
  if (facts.serverIsSelf) return { kind: 'in-place', clusterDir: inPlace };
  const closedFolder = facts.firstClosedAbove();
  return closedFolder
    ? {
        kind: 'relocated',
        clusterDir: relocatedClusterDir(facts.reachableRoot, facts.dataDir),
        closedFolder,
      }
    : { kind: 'in-place', clusterDir: inPlace };
}
