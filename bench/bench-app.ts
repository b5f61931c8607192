import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import pino from 'pino';
import { AppModule } from 'src/app.module';
import { ApplicationsService } from 'src/applications/applications.service';
import { Scope } from 'src/access/scopes';
import { AppConfig } from 'src/config/app-config';
import { loadConfig } from 'src/config/config';
import { appDatabaseUrl } from 'src/database/app-role';
import { configureHttpApp } from 'src/http-app';
import { selectQueueBackend } from 'src/queue/queue-backend';
import { ProvisioningService } from 'src/provisioning/provisioning.service';
import { BenchDatabase } from './bench-database';

export interface BenchApp {
  readonly app: NestExpressApplication;
  readonly config: AppConfig;
  /** The port the real HTTP server listens on (127.0.0.1). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The production application as `src/bootstrap.ts` builds it (configureHttpApp, JSON logs at
 * the default level, the default pool size), listening on a free port. Differences, all for the
 * measurement: logs go to /dev/null instead of stdout, queue workers do not run (the scheduled
 * checkpoint signer would add work of its own), and the per-key rate limit is lifted (600 a
 * minute would refuse a throughput benchmark in its first second).
 */
export async function startBenchApp(database: BenchDatabase): Promise<BenchApp> {
  const signingKeyFile = join(tmpdir(), `audit-signing-${database.name}.json`);
  // Local state (text keys; artifacts unless ARTIFACTS_DIR says where) in a folder of the bench's
  // own, removed at the end: in the checkout's data/ folder, text keys sealed with the bench's
  // passphrase stopped the next `npm start`.
  const dataDir = mkdtempSync(join(tmpdir(), `audit-bench-${database.name}-`));
  const config = new AppConfig(
    loadConfig({
      ...process.env,
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      DATABASE_APP_URL: undefined,
      REDIS_URL: undefined,
      SIGNING_KEY_FILE: signingKeyFile,
      SIGNING_KEY_PASSPHRASE: 'bench passphrase, not a secret',
      RUN_WORKERS: 'false',
      API_KEY_RATE_PER_MINUTE: '100000000',
    }),
  );
  const queue = selectQueueBackend(undefined, database.url, { prefix: `bench-${database.name}` });
  const module = AppModule.forRoot({
    config,
    database: {
      url: database.url,
      appUrl: appDatabaseUrl(database.url),
      appUrlDerived: true,
    },
    queue,
    http: true,
    runWorkers: false,
    logDestination: pino.destination({ dest: '/dev/null', sync: true }),
  });
  const app = await NestFactory.create<NestExpressApplication>(module, {
    bodyParser: false,
    logger: false,
    abortOnError: false,
  });
  configureHttpApp(app, config);
  await app.init();
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    config,
    port,
    close: async () => {
      await app.close();
      rmSync(signingKeyFile, { force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A tenant with one application whose key holds `scopes`: what a customer would set up. */
export async function createTenantWithKey(
  app: NestExpressApplication,
  name: string,
  scopes: Scope[],
): Promise<{ tenantId: string; applicationId: string; apiKey: string }> {
  const operator = { userId: null };
  const { tenant } = await app
    .get(ProvisioningService)
    .create({ name, adminEmail: `admin@${name}.example` }, operator);
  const made = await app
    .get(ApplicationsService)
    .createApplication(tenant.id, { name: `${name}-app`, scopes }, operator);
  return { tenantId: tenant.id, applicationId: made.application.id, apiKey: made.key.key };
}
