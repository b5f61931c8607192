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
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
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
    // A server that stops answering must not hold a request forever: the driver gives up on a
    // query after 15 s (the caller gets a 503, the transaction rolls back), keep-alive notices a
    // dead peer, and the server ends a transaction left idle by a vanished client.
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 10_000,
      query_timeout: 15_000,
      keepAlive: true,
      options: '-c idle_in_transaction_session_timeout=60000',
    },
  };
}
