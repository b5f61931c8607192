import { AppConfigValues } from 'src/config/config';
import { appDatabaseUrl } from 'src/database/app-role';
import { EmbeddedPostgres } from 'src/database/embedded-postgres';

export const EMBEDDED_DATABASE_NAME = 'audit';

/** Where the database is, and the embedded server to stop at the end if we started one. */
export interface DatabaseEndpoint {
  /** Owner connection: migrations, provisioning of the application role, the queue backend. */
  readonly url: string;
  /** The application role's connection: every query on tenant data (row-level security applies). */
  readonly appUrl: string;
  readonly embedded?: EmbeddedPostgres;
}

/** `DATABASE_URL` when set; otherwise a real PostgreSQL started from `DATA_DIR/postgres`. */
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
    embedded,
  };
}
