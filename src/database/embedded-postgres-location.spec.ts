import {
  ancestors,
  ClusterFacts,
  placeCluster,
  relocatedBinariesDir,
  relocatedClusterDir,
  relocatedClusterHome,
} from 'src/database/embedded-postgres-location';

const ROOT = '/var/lib/interpretable-audit';

function facts(overrides: Partial<ClusterFacts>): ClusterFacts {
  return {
    dataDir: '/root/app/data',
    inPlaceInitialised: false,
    pointer: undefined,
    serverIsSelf: false,
    firstClosedAbove: () => undefined,
    reachableRoot: ROOT,
    ...overrides,
  };
}

describe('ancestors', () => {
  it('lists every folder to enter, from the root down to the path itself', () => {
    expect(ancestors('/root/app/data')).toEqual(['/', '/root', '/root/app', '/root/app/data']);
    expect(ancestors('/')).toEqual(['/']);
  });

  it('refuses a relative path, which names no folders to check', () => {
    expect(() => ancestors('data')).toThrow(/not an absolute path/);
  });
});

describe('relocated folders', () => {
  it('gives each DATA_DIR its own cluster folder, the same on every start', () => {
    const a = relocatedClusterDir(ROOT, '/root/app/data');
    expect(a).toMatch(/^\/var\/lib\/interpretable-audit\/clusters\/[0-9a-f]{16}\/postgres$/);
    expect(relocatedClusterDir(ROOT, '/root/app/data')).toBe(a);
    expect(relocatedClusterDir(ROOT, '/root/other/data')).not.toBe(a);
  });

  it('removes only a cluster folder it made itself', () => {
    const cluster = relocatedClusterDir(ROOT, '/root/app/data');
    expect(relocatedClusterHome(ROOT, cluster)).toBe(cluster.slice(0, -'/postgres'.length));
    expect(relocatedClusterHome(ROOT, '/root/app/data/postgres')).toBeUndefined();
    expect(relocatedClusterHome(ROOT, `${ROOT}/clusters/postgres`)).toBeUndefined();
    expect(relocatedClusterHome(ROOT, `${ROOT}/clusters/../x/postgres`)).toBeUndefined();
    expect(relocatedClusterHome(ROOT, `${ROOT}/clusters/a/b/postgres`)).toBeUndefined();
  });

  it('keeps one copy of the binaries per platform and package version', () => {
    expect(relocatedBinariesDir(ROOT, 'linux-x64', '18.4.0-beta.17')).toBe(
      `${ROOT}/binaries/linux-x64-18.4.0-beta.17`,
    );
  });
});

describe('placeCluster', () => {
  it('keeps the cluster in DATA_DIR when the server runs as the user, without asking', () => {
    const firstClosedAbove = jest.fn(() => '/root');
    expect(placeCluster(facts({ serverIsSelf: true, firstClosedAbove }))).toEqual({
      kind: 'in-place',
      clusterDir: '/root/app/data/postgres',
    });
    expect(firstClosedAbove).not.toHaveBeenCalled();
  });

  it('keeps the cluster in DATA_DIR when the server user can reach it', () => {
    expect(placeCluster(facts({ dataDir: '/srv/app/data' }))).toEqual({
      kind: 'in-place',
      clusterDir: '/srv/app/data/postgres',
    });
  });

  it('relocates a new cluster when a folder above DATA_DIR is closed to the server user', () => {
    expect(placeCluster(facts({ firstClosedAbove: () => '/root' }))).toEqual({
      kind: 'relocated',
      clusterDir: relocatedClusterDir(ROOT, '/root/app/data'),
      closedFolder: '/root',
    });
  });

  it('follows the pointer file of a relocated cluster on later starts', () => {
    const firstClosedAbove = jest.fn(() => undefined);
    const pointer = `${ROOT}/clusters/0123456789abcdef/postgres`;
    expect(placeCluster(facts({ pointer, firstClosedAbove }))).toEqual({
      kind: 'relocated',
      clusterDir: pointer,
    });
    expect(firstClosedAbove).not.toHaveBeenCalled();
  });

  it('never moves an existing cluster in DATA_DIR', () => {
    expect(placeCluster(facts({ inPlaceInitialised: true }))).toEqual({
      kind: 'in-place',
      clusterDir: '/root/app/data/postgres',
    });
    // Even beside a stray pointer file.
    expect(
      placeCluster(facts({ inPlaceInitialised: true, pointer: `${ROOT}/x/postgres` })),
    ).toEqual({ kind: 'in-place', clusterDir: '/root/app/data/postgres' });
  });

  it('reports an existing cluster in DATA_DIR that the server user cannot reach', () => {
    expect(
      placeCluster(facts({ inPlaceInitialised: true, firstClosedAbove: () => '/root' })),
    ).toEqual({
      kind: 'unreachable',
      clusterDir: '/root/app/data/postgres',
      closedFolder: '/root',
    });
  });
});
