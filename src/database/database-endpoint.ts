import { Client } from 'pg';
import { AppConfigValues } from 'src/config/config';
import { appDatabaseUrl } from 'src/database/app-role';
import { EmbeddedPostgres, readCredentials } from 'src/database/embedded-postgres';

export const EMBEDDED_DATABASE_NAME = 'audit';

/** Where the database is, and the embedded server to stop at the end if we started one. */
export interface DatabaseEndpoint {
  /** Owner connection: migrations, provisioning of the application role, the queue backend. */
  readonly url: string;
  /** The application role's connection: every query on tenant data (row-level security applies). */
  readonly appUrl: string;
  /** True when appUrl is the derived audit_app login (which bootstrap may provision). */
  readonly appUrlDerived: boolean;
  readonly embedded?: EmbeddedPostgres;
}

/**
 * `DATABASE_URL` when set; otherwise a real PostgreSQL started on the cluster of `DATA_DIR` (in
 * `DATA_DIR/postgres`, or where `DATA_DIR/postgres-location` says when the server user cannot
 * reach DATA_DIR; its credentials are in DATA_DIR either way).
 */
export async function openDatabaseEndpoint(
  config: Pick<
    AppConfigValues,
    'DATABASE_URL' | 'DATABASE_APP_URL' | 'DATA_DIR' | 'EMBEDDED_DB_PORT'
  >,
  onLog?: (line: string) => void,
): Promise<DatabaseEndpoint> {
  if (config.DATABASE_URL) {
    return {
      url: config.DATABASE_URL,
      appUrl: appDatabaseUrl(config.DATABASE_URL, config.DATABASE_APP_URL),
      appUrlDerived: !config.DATABASE_APP_URL,
    };
  }
  const embedded = await EmbeddedPostgres.start({
    dataDir: config.DATA_DIR,
    port: config.EMBEDDED_DB_PORT,
    database: EMBEDDED_DATABASE_NAME,
    ...(onLog ? { onLog } : {}),
  });
  return {
    url: embedded.url(),
    appUrl: appDatabaseUrl(embedded.url(), config.DATABASE_APP_URL),
    appUrlDerived: !config.DATABASE_APP_URL,
    embedded,
  };
}

/**
 * For tools run beside the service (the admin CLI): with the embedded default, the service's
 * server may already be running on `DATA_DIR`, and a second postmaster cannot start on the same
 * cluster. If that server answers with the cluster's credentials, use it, and leave `embedded`
 * unset so the tool never stops a server it did not start; otherwise open as usual.
 */
export async function attachOrOpenDatabaseEndpoint(
  config: Pick<
    AppConfigValues,
    'DATABASE_URL' | 'DATABASE_APP_URL' | 'DATA_DIR' | 'EMBEDDED_DB_PORT'
  >,
  onLog?: (line: string) => void,
): Promise<DatabaseEndpoint> {
  if (!config.DATABASE_URL) {
    const url = await runningEmbeddedUrl(config.DATA_DIR, config.EMBEDDED_DB_PORT);
    if (url) {
      return {
        url,
        appUrl: appDatabaseUrl(url, config.DATABASE_APP_URL),
        appUrlDerived: !config.DATABASE_APP_URL,
      };
    }
  }
  return openDatabaseEndpoint(config, onLog);
}

async function runningEmbeddedUrl(dataDir: string, port: number): Promise<string | undefined> {
  let credentials: { user: string; password: string };
  try {
    credentials = readCredentials(dataDir);
  } catch {
    return undefined; // no cluster yet (or an unreadable one): starting reports it properly
  }
  const { user, password } = credentials;
  const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE_NAME}`;
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return url;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}
