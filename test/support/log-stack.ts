import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from 'src/config/app-config';
import { loadConfig } from 'src/config/config';
import { appDatabaseUrl } from 'src/database/app-role';
import { DatabaseModule } from 'src/database/database.module';
import { LogModule } from 'src/log/log.module';
import { LogService } from 'src/log/log.service';
import { LogWriter } from 'src/log/log-writer';
import { LogEntryKind } from 'src/evidence-format/entry';
import { SigningModule } from 'src/signing/signing.module';

/** What a log stack needs to share a log with a test app: the same database and key ring. */
export interface LogStackSettings {
  databaseUrl: string;
  signingKeyFile: string;
  signingKeyPassphrase: string;
  poolSize?: number;
}

export interface LogStack {
  readonly writer: LogWriter;
  readonly log: LogService;
  close(): Promise<void>;
}

@Module({})
class LogStackRootModule {}

@Module({})
class LogStackConfigModule {}

/**
 * The application's log stack on its own (configuration, database, signing keys, log), with a
 * connection pool of its own: a second writer that stands in for another process, and the body of
 * the crash test's child process. No HTTP, no model, no queue, no logs.
 */
export async function openLogStack(settings: LogStackSettings): Promise<LogStack> {
  const config = new AppConfig(
    loadConfig({
      DATABASE_URL: settings.databaseUrl,
      DB_POOL_SIZE: String(settings.poolSize ?? 4),
      SIGNING_KEY_FILE: settings.signingKeyFile,
      SIGNING_KEY_PASSPHRASE: settings.signingKeyPassphrase,
      LOG_LEVEL: 'silent',
    }),
  );
  const context = await NestFactory.createApplicationContext(
    {
      module: LogStackRootModule,
      imports: [
        {
          module: LogStackConfigModule,
          global: true,
          providers: [{ provide: AppConfig, useValue: config }],
          exports: [AppConfig],
        },
        DatabaseModule.forRoot({
          url: settings.databaseUrl,
          appUrl: appDatabaseUrl(settings.databaseUrl),
          appUrlDerived: true,
        }),
        SigningModule,
        LogModule.forRoot({ scheduleCheckpoints: false }),
      ],
    },
    { logger: false, abortOnError: false },
  );
  await context.init();
  return {
    writer: context.get(LogWriter),
    log: context.get(LogService),
    close: () => context.close(),
  };
}

/** A small entry the tests write in bulk: the log's guarantees do not depend on the kind. */
export function testEntry(kind: Extract<LogEntryKind, 'review' | 'access'>, note: string) {
  return {
    kind,
    body: { schemaVersion: 1, kind, note },
  };
}
