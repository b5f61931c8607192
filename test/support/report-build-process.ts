import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { AppModule } from 'src/app.module';
import { AppConfig } from 'src/config/app-config';
import { loadConfig } from 'src/config/config';
import { appDatabaseUrl } from 'src/database/app-role';
import { selectQueueBackend } from 'src/queue/queue-backend';
import { ReportBuilder } from 'src/reports/build/report-builder';

// A worker process that builds one report, as the worker runs the report.build job (no model,
// no HTTP): the child of test/e2e/report-crash.e2e-spec.ts, which kills it (SIGKILL) at a step,
// and of bench/reports.bench.ts, which measures it. It prints `ready`, then
// `progress <percent> <message>` at each step, then `built <seconds> <peak RSS bytes>` and `done`.
//
//   DATABASE_URL, SIGNING_KEY_FILE, SIGNING_KEY_PASSPHRASE, ARTIFACTS_DIR, TEXT_KEY_DIR   the
//   parent's values
//   TENANT_ID, REPORT_ID   the report to build;   PAUSE_AT   a step to stop at (and be killed)

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const databaseUrl = required('DATABASE_URL');
  const config = new AppConfig(
    loadConfig({
      DATABASE_URL: databaseUrl,
      SIGNING_KEY_FILE: required('SIGNING_KEY_FILE'),
      SIGNING_KEY_PASSPHRASE: required('SIGNING_KEY_PASSPHRASE'),
      ARTIFACTS_DIR: required('ARTIFACTS_DIR'),
      TEXT_KEY_DIR: required('TEXT_KEY_DIR'),
      DB_POOL_SIZE: '2',
    }),
  );
  const queue = selectQueueBackend(undefined, databaseUrl, { prefix: `crash-${process.pid}` });
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      config,
      database: { url: databaseUrl, appUrl: appDatabaseUrl(databaseUrl), appUrlDerived: true },
      queue,
      http: false,
      runWorkers: false,
      logDestination: pino.destination({ dest: '/dev/null', sync: true }),
    }),
    { logger: false },
  );
  process.stdout.write(`ready ${process.pid} ${process.memoryUsage().rss}\n`);
  const started = process.hrtime.bigint();
  await app
    .get(ReportBuilder)
    .build(required('TENANT_ID'), required('REPORT_ID'), (percent, message) => {
      // A pipe write is synchronous on Linux: the parent sees each step before the next starts.
      process.stdout.write(`progress ${percent} ${message}\n`);
      // PAUSE_AT holds the build at that step (for the parent to kill it there, not near it).
      const pause = process.env.PAUSE_AT;
      if (pause && message.startsWith(pause)) return new Promise<void>(() => undefined);
      return Promise.resolve();
    });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // maxRSS is in kilobytes: the whole process's peak, start-up included.
  process.stdout.write(`built ${seconds} ${process.resourceUsage().maxRSS * 1024}\n`);
  process.stdout.write('done\n');
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `report builder failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
