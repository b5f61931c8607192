import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ModuleMetadata } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Writable } from 'node:stream';
import { AppModule } from 'src/app.module';
import { AppConfig } from 'src/config/app-config';
import { loadConfig } from 'src/config/config';
import { appDatabaseUrl } from 'src/database/app-role';
import { configureHttpApp } from 'src/http-app';
import { QueueBackendKind, selectQueueBackend } from 'src/queue/queue-backend';
import { createTestDatabase, TestDatabase } from 'test/support/test-database';

export interface TestAppOptions {
  /** Queue backend; default: Redis when TEST_REDIS_URL is set, else PostgreSQL. */
  queue?: QueueBackendKind;
  runWorkers?: boolean;
  imports?: ModuleMetadata['imports'];
  env?: Record<string, string>;
  /** Reuse a database (e.g. to restart an app on the same data); default: a fresh one. */
  database?: TestDatabase;
}

export interface TestApp {
  readonly app: NestExpressApplication;
  readonly database: TestDatabase;
  readonly config: AppConfig;
  /** Every JSON log line the app wrote, parsed. */
  logLines(): Record<string, unknown>[];
  /** The raw log text, for greps that must not miss anything. */
  logText(): string;
  /** Closes the app; drops the database unless `keepDatabase`. */
  close(opts?: { keepDatabase?: boolean }): Promise<void>;
}

export const redisAvailable = (): boolean => Boolean(process.env.TEST_REDIS_URL);

/** The real application (real PostgreSQL, real queue backend) with its logs captured. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const kind = options.queue ?? (redisAvailable() ? 'redis' : 'postgres');
  if (kind === 'redis' && !redisAvailable()) throw new Error('TEST_REDIS_URL is not set');
  // Local state of its own per test database (artifacts, text keys, the key ring), never the
  // checkout's data/ folder, where `npm start` keeps the embedded default's; the same on a
  // restart, so a restarted app signs with the same keys; removed with the database.
  const local = localStateOf(database.name);
  const config = new AppConfig(
    loadConfig({
      DATABASE_URL: database.url,
      LOG_LEVEL: 'info',
      DB_POOL_SIZE: '4',
      DATA_DIR: local.dataDir,
      SIGNING_KEY_FILE: local.signingKeyFile,
      SIGNING_KEY_PASSPHRASE: 'test passphrase, not a secret',
      TEXT_KEY_DIR: local.textKeyDir,
      ...(kind === 'redis' ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
      ...options.env,
    }),
  );
  const queue = selectQueueBackend(config.REDIS_URL, database.url, {
    poolSize: 3,
    prefix: `test-${database.name}`,
  });
  let captured = '';
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      captured += chunk.toString('utf8');
      callback();
    },
  });
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot({
        config,
        database: {
          url: database.url,
          appUrl: appDatabaseUrl(database.url, config.DATABASE_APP_URL),
          appUrlDerived: !config.DATABASE_APP_URL,
        },
        queue,
        http: true,
        runWorkers: options.runWorkers ?? true,
        logDestination,
        ...(options.imports ? { imports: options.imports } : {}),
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({
    bodyParser: false,
    logger: false,
  });
  configureHttpApp(app, config);
  await app.init();
  return {
    app,
    database,
    config,
    logText: () => captured,
    logLines: () =>
      captured
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    close: async (opts = {}) => {
      await app.close();
      if (!opts.keepDatabase) {
        await database.drop();
        for (const path of Object.values(local)) rmSync(path, { recursive: true, force: true });
      }
    },
  };
}

/** Where a test app on database `name` keeps its local state (in the system's temp folder). */
function localStateOf(name: string) {
  return {
    dataDir: join(tmpdir(), `audit-data-${name}`),
    signingKeyFile: join(tmpdir(), `audit-signing-${name}.json`),
    textKeyDir: join(tmpdir(), `audit-text-keys-${name}`),
  };
}
