import { DataSource } from 'typeorm';

// Any constant works; it only has to be the same in every process of this service.
const MIGRATION_LOCK_KEY = 7_301_955_011;

/**
 * Applies pending migrations while holding a PostgreSQL advisory lock, so an api and a worker
 * starting at the same moment never run the same migration twice. Returns the names it applied.
 */
export async function migrateToLatest(dataSource: DataSource): Promise<string[]> {
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await lockRunner
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await lockRunner.release();
  }
}
