import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from 'src/config/config';
import { openDatabaseEndpoint } from 'src/database/database-endpoint';
import { dataSourceOptions } from 'src/database/data-source-options';
import { EmbeddedPostgres, removeEmbeddedData } from 'src/database/embedded-postgres';
import { migrateToLatest } from 'src/database/migrator';

const USAGE = `usage: migrate <run|revert|show|generate NameInPascalCase>
  run       apply pending migrations (DATABASE_URL, or the embedded database in DATA_DIR)
  revert    undo the most recent migration
  show      list migrations and whether each is applied
  generate  write migrations/<epoch-ms>-<Name>.ts with the difference between the entities and
            the migrations, computed on a throwaway embedded database (read it and correct it)`;

async function withDataSource<T>(url: string, work: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = await new DataSource(dataSourceOptions(url, 2)).initialize();
  try {
    return await work(ds);
  } finally {
    await ds.destroy();
  }
}

async function onConfiguredDatabase(work: (ds: DataSource) => Promise<void>): Promise<void> {
  const endpoint = await openDatabaseEndpoint(loadConfig());
  try {
    await withDataSource(endpoint.url, work);
  } finally {
    await endpoint.embedded?.stop();
  }
}

function migrationSource(name: string, timestamp: number, up: string[], down: string[]): string {
  const lines = (queries: string[]) =>
    queries.map((q) => `    await queryRunner.query(${JSON.stringify(q)});`).join('\n');
  return `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name}${timestamp} implements MigrationInterface {
  name = '${name}${timestamp}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${lines(up)}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${lines(down)}
  }
}
`;
}

async function generate(name: string | undefined): Promise<void> {
  if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
    throw new Error('generate needs a PascalCase VerbNoun name, e.g. CreateRecords');
  }
  const dir = mkdtempSync(join(tmpdir(), 'audit-migrate-'));
  const server = await EmbeddedPostgres.start({
    dataDir: dir,
    port: 54000 + (process.pid % 1000),
    database: 'gen',
  });
  try {
    await withDataSource(server.url(), async (ds) => {
      await migrateToLatest(ds);
      const sql = await ds.driver.createSchemaBuilder().log();
      if (sql.upQueries.length === 0) {
        console.log('entities and migrations agree: nothing to generate');
        return;
      }
      const timestamp = Date.now();
      const file = join(process.cwd(), 'migrations', `${timestamp}-${name}.ts`);
      const down = sql.downQueries.map((q) => q.query).reverse();
      writeFileSync(
        file,
        migrationSource(
          name,
          timestamp,
          sql.upQueries.map((q) => q.query),
          down,
        ),
      );
      console.log(`wrote ${file}: read it, correct it, and run npm run check`);
    });
  } finally {
    await server.stop();
    removeEmbeddedData(dir);
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, arg] = argv;
  switch (command) {
    case 'run':
      return onConfiguredDatabase(async (ds) => {
        const applied = await migrateToLatest(ds);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
      });
    case 'revert':
      return onConfiguredDatabase(async (ds) => {
        await ds.undoLastMigration({ transaction: 'each' });
        console.log('reverted the most recent migration');
      });
    case 'show':
      return onConfiguredDatabase(async (ds) => {
        // A database that was never migrated has no migrations table yet: nothing is applied.
        const rows = await ds
          .query<{ name: string }[]>('SELECT name FROM migrations')
          .catch(() => [] as { name: string }[]);
        const applied = new Set(rows.map((r) => r.name));
        for (const m of ds.migrations)
          console.log(`${applied.has(m.name ?? '') ? '[x]' : '[ ]'} ${m.name}`);
      });
    case 'generate':
      return generate(arg);
    default:
      console.error(USAGE);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
