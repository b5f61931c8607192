import { AppConfigValues } from 'src/config/config';
import { EmbeddedPostgres } from 'src/database/embedded-postgres';

export const EMBEDDED_DATABASE_NAME = 'audit';

/** Where the database is, and the embedded server to stop at the end if we started one. */
export interface DatabaseEndpoint {
  readonly url: string;
  readonly embedded?: EmbeddedPostgres;
}

/** `DATABASE_URL` when set; otherwise a real PostgreSQL started from `DATA_DIR/postgres`. */
export async function openDatabaseEndpoint(
  config: Pick<AppConfigValues, 'DATABASE_URL' | 'DATA_DIR' | 'EMBEDDED_DB_PORT'>,
  onLog?: (line: string) => void,
): Promise<DatabaseEndpoint> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL };
  const embedded = await EmbeddedPostgres.start({
    dataDir: config.DATA_DIR,
    port: config.EMBEDDED_DB_PORT,
    database: EMBEDDED_DATABASE_NAME,
    ...(onLog ? { onLog } : {}),
  });
  return { url: embedded.url(), embedded };
}
