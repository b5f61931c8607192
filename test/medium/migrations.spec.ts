import { DataSource } from 'typeorm';
import { dataSourceOptions } from 'src/database/data-source-options';
import { migrateToLatest } from 'src/database/migrator';
import { createTestDatabase, TestDatabase } from 'test/support/test-database';

describe('migrations', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource(dataSourceOptions(db.url, 4)).initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  const tables = async () =>
    (
      await ds.query<{ table_name: string }[]>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
      )
    ).map((r) => r.table_name);

  it('apply on an empty database, and a second run applies nothing', async () => {
    const applied = await migrateToLatest(ds);
    expect(applied.length).toBe(ds.migrations.length);
    expect(await tables()).toEqual(expect.arrayContaining(['jobs', 'migrations']));
    expect(await migrateToLatest(ds)).toEqual([]);
  });

  it('leave nothing for the generator: entities and migrations describe the same schema', async () => {
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('run concurrently from two processes without applying anything twice', async () => {
    const other = await createTestDatabase();
    const a = await new DataSource(dataSourceOptions(other.url, 2)).initialize();
    const b = await new DataSource(dataSourceOptions(other.url, 2)).initialize();
    try {
      const [ranA, ranB] = await Promise.all([migrateToLatest(a), migrateToLatest(b)]);
      expect([...ranA, ...ranB].sort()).toEqual(ds.migrations.map((m) => m.name).sort());
    } finally {
      await a.destroy();
      await b.destroy();
      await other.drop();
    }
  });

  it('enforce job invariants in the database itself', async () => {
    await expect(
      ds.query(
        `INSERT INTO jobs (queue, kind, status, max_attempts) VALUES ('jobs', 'k', 'exploded', 1)`,
      ),
    ).rejects.toThrow(/jobs_status_check/);
    await expect(
      ds.query(
        `INSERT INTO jobs (queue, kind, status, max_attempts, progress) VALUES ('jobs', 'k', 'queued', 1, 101)`,
      ),
    ).rejects.toThrow(/jobs_progress_check/);
  });

  it('revert every step down to an empty schema, and apply again', async () => {
    for (let i = 0; i < ds.migrations.length; i++)
      await ds.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual(['migrations']);
    expect((await migrateToLatest(ds)).length).toBe(ds.migrations.length);
    expect(await tables()).toContain('jobs');
  });
});
