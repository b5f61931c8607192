import { DataSource } from 'typeorm';
import { appDatabaseUrl, ensureAppRole } from 'src/database/app-role';
import { dataSourceOptions } from 'src/database/data-source-options';
import { migrateToLatest } from 'src/database/migrator';
import { startTcpProxy, TcpProxy, viaProxy } from 'test/support/tcp-proxy';
import { createTestDatabase, TestDatabase } from 'test/support/test-database';

export interface ProxiedDatabase {
  /** The database as the app under test sees it: every connection goes through the proxy. */
  readonly database: TestDatabase;
  /** Settings for createTestApp: the application role's login, also through the proxy. */
  readonly env: Record<string, string>;
  /** The database itself, for the test's own checks while the proxy is cut. */
  readonly directUrl: string;
  readonly proxy: TcpProxy;
  /** Closes the proxy and drops the database. */
  close(): Promise<void>;
}

/**
 * A fresh test database behind a TCP proxy that the test can cut. It is migrated and the
 * application role's login provisioned directly beforehand, and the app is given that login
 * (DATABASE_APP_URL) with the proxy's address: left to derive it, the app would derive the
 * password from the proxy's host and port and re-provision the cluster-wide role with it, under
 * the feet of every other test app on the same server.
 */
export async function createProxiedDatabase(): Promise<ProxiedDatabase> {
  const direct = await createTestDatabase();
  const owner = new DataSource(dataSourceOptions(direct.url, 2));
  await owner.initialize();
  try {
    await migrateToLatest(owner);
  } finally {
    await owner.destroy();
  }
  await ensureAppRole(direct.url, appDatabaseUrl(direct.url), { provision: true });
  const target = new URL(direct.url);
  const proxy = await startTcpProxy({
    host: target.hostname,
    port: Number(target.port || '5432'),
  });
  return {
    database: { name: direct.name, url: viaProxy(direct.url, proxy), drop: () => direct.drop() },
    env: { DATABASE_APP_URL: viaProxy(appDatabaseUrl(direct.url), proxy) },
    directUrl: direct.url,
    proxy,
    close: async () => {
      await proxy.close();
      await direct.drop();
    },
  };
}
