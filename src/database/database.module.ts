import { DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ensureAppRole } from 'src/database/app-role';
import { TenantDatabase } from 'src/database/tenant-database';
import { AppConfig } from 'src/config/app-config';
import { DatabaseEndpoint } from 'src/database/database-endpoint';
import { connectionFailure, describeDatabaseUrl } from 'src/database/database.errors';
import { dataSourceOptions } from 'src/database/data-source-options';
import { migrateToLatest } from 'src/database/migrator';

/**
 * TypeORM on the resolved endpoint, connected as the application role (never the owner, so
 * row-level security always applies). Pending migrations are applied first, as the owner, before
 * any module can use the connection. No retry loop: a database that is not there at start-up is an operator problem that
 * must be reported at once (bootstrap checks it first; compose waits for the database's health
 * check).
 */
@Module({})
export class DatabaseModule {
  static forRoot(endpoint: DatabaseEndpoint): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            ...dataSourceOptions(endpoint.appUrl, config.DB_POOL_SIZE, 'app'),
            // 0 means "the default" (9 tries, 3 s apart) to @nestjs/typeorm; bootstrap has already
            // checked the connection, so one quick retry covers a blip and no more.
            retryAttempts: 1,
            retryDelay: 500,
          }),
          dataSourceFactory: async (options) => {
            if (!options) throw new Error('database options are missing');
            const applied = await migrateAsOwner(endpoint.url);
            const role = await ensureAppRole(endpoint.url, endpoint.appUrl, {
              provision: endpoint.appUrlDerived,
            });
            const dataSource = new DataSource(options);
            try {
              await dataSource.initialize();
            } catch (error) {
              throw connectionFailure(endpoint.appUrl, error);
            }
            new Logger('Database').log(
              {
                database: describeDatabaseUrl(endpoint.url),
                embedded: Boolean(endpoint.embedded),
                role: role.user,
                applied,
              },
              'database ready',
            );
            return dataSource;
          },
        }),
      ],
      providers: [TenantDatabase],
      exports: [TenantDatabase],
    };
  }
}

/** Migrations run as the owner; the application role could not create or alter tables. */
async function migrateAsOwner(url: string): Promise<string[]> {
  // Two connections: TypeORM takes a second one while connecting (version and extension checks).
  const owner = new DataSource(dataSourceOptions(url, 2));
  try {
    await owner.initialize();
  } catch (error) {
    throw connectionFailure(url, error);
  }
  try {
    return await migrateToLatest(owner);
  } finally {
    await owner.destroy();
  }
}
