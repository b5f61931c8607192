import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';

// Resolved from this file so the same options work from `src/` (tests, ts) and `dist/` (js).
const ROOT = join(__dirname, '..', '..');

export const MIGRATIONS_GLOB = join(ROOT, 'migrations', '*.{ts,js}');
export const ENTITIES_GLOB = join(ROOT, 'src', '**', '*.entity.{ts,js}');

/**
 * The one description of how we talk to PostgreSQL, shared by the application, the migration CLI
 * and the tests. `synchronize` is never on: the schema changes only through reviewed migrations.
 */
export function dataSourceOptions(
  url: string,
  poolSize = 10,
  role: 'owner' | 'app' = 'owner',
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [ENTITIES_GLOB],
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: 'interpretable-audit',
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      // The service's own queries (not migrations, whose statements and advisory lock may take
      // long): a server that stops answering must not hold a request for ever. The server
      // cancels a statement after 15 s and ends a transaction a vanished client left idle; the
      // driver gives up a little later in case the server itself is gone.
      ...(role === 'app'
        ? {
            query_timeout: 20_000,
            options: '-c statement_timeout=15000 -c idle_in_transaction_session_timeout=60000',
          }
        : {}),
    },
  };
}
