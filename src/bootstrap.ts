import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { INestApplicationContext } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppModule } from 'src/app.module';
import { HttpLogging } from 'src/common/http-logging';
import { BootNestLogger, bootLogger } from 'src/common/logging';
import { AppConfig } from 'src/config/app-config';
import { ConfigValidationError, describeConfig, loadConfig } from 'src/config/config';
import { DatabaseEndpoint, openDatabaseEndpoint } from 'src/database/database-endpoint';
import { assertDatabaseReachable } from 'src/database/database.errors';
import { configureHttpApp } from 'src/http-app';
import { selectQueueBackend } from 'src/queue/queue-backend';
import { demoBanner } from 'src/tenants/demo-banner';
import { ProvisioningService } from 'src/provisioning/provisioning.service';

export type ProcessRole = 'api' | 'worker';

/**
 * Starts one process of the service. `api` serves HTTP and, unless RUN_WORKERS=false, also runs the
 * queue workers (the single-process mode of the embedded default); `worker` runs workers only.
 * Any start-up failure is logged with its cause and ends the process with a non-zero code.
 */
export async function startProcess(role: ProcessRole): Promise<void> {
  const started = Date.now();
  let log = bootLogger();
  let config: AppConfig;
  try {
    config = new AppConfig(loadConfig());
  } catch (error) {
    const problems = error instanceof ConfigValidationError ? error.problems : [String(error)];
    log.fatal({ problems }, `configuration rejected: ${problems.join('; ')}`);
    return exitAfterFlush(log, 78);
  }
  log = bootLogger(config.LOG_LEVEL);
  log.info({ role, config: describeConfig(config) }, 'starting');

  let database: DatabaseEndpoint | undefined;
  let app: INestApplicationContext | undefined;
  try {
    if (!config.DATABASE_URL)
      log.info({ dataDir: config.DATA_DIR }, 'starting embedded PostgreSQL');
    database = await openDatabaseEndpoint(config, (line) => log.debug({ postgres: line }));
    // Said once at start: the cluster may live outside DATA_DIR (root, DATA_DIR closed to postgres).
    if (database.embedded)
      log.info({ clusterDir: database.embedded.clusterDir }, 'embedded PostgreSQL started');
    await assertDatabaseReachable(database.url);
    const runWorkers = role === 'worker' || config.RUN_WORKERS;
    const queue = selectQueueBackend(config.REDIS_URL, database.url);
    const module = AppModule.forRoot({ config, database, queue, http: role === 'api', runWorkers });
    if (role === 'api') {
      const http = await NestFactory.create<NestExpressApplication>(module, {
        logger: new BootNestLogger(log),
        bodyParser: false,
        abortOnError: false,
      });
      app = http;
      configureHttpApp(http, config);
      await http.init();
      // Before listening, so the credentials are out before anyone can be told the service is up.
      if (database.embedded && config.DEMO_TENANT) await createDemoTenant(http, config, log);
      await http.listen(config.PORT, config.HOST);
    } else {
      app = await NestFactory.createApplicationContext(module, {
        logger: new BootNestLogger(log),
        abortOnError: false,
      });
      app.useLogger(app.get(HttpLogging).nestLogger);
      await app.init();
    }
    log.info(
      {
        role,
        port: role === 'api' ? config.PORT : undefined,
        queue: queue.description,
        runWorkers,
        startupMs: Date.now() - started,
      },
      role === 'api' ? `listening on http://${config.HOST}:${config.PORT}` : 'worker running',
    );
  } catch (error) {
    log.fatal(
      { err: error },
      `start-up failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    await app?.close().catch(() => undefined);
    await database?.embedded?.stop().catch(() => undefined);
    return exitAfterFlush(log, 1);
  }
  installShutdown(log, app, database, config.SHUTDOWN_TIMEOUT_MS);
}

/**
 * Stop order matters: stop accepting, finish in-flight HTTP requests and active jobs (app.close),
 * then stop the embedded database they were using. A second signal, or the timeout, forces exit.
 */
function installShutdown(
  log: Logger,
  app: INestApplicationContext,
  database: DatabaseEndpoint,
  timeoutMs: number,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests and jobs');
    const force = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    force.unref();
    void (async () => {
      let code = 0;
      try {
        await app.close();
      } catch (error) {
        code = 1;
        log.error({ err: error }, 'error while closing the application');
      }
      try {
        await database.embedded?.stop();
      } catch (error) {
        code = 1;
        log.error({ err: error }, 'error while stopping embedded PostgreSQL');
      }
      log.info('stopped');
      exitAfterFlush(log, code);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** First start of the embedded default: a tenant to try, its credentials printed once. */
async function createDemoTenant(
  app: INestApplicationContext,
  config: AppConfig,
  log: Logger,
): Promise<void> {
  const demo = await app.get(ProvisioningService).createDemoIfAbsent();
  if (!demo) return;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  process.stdout.write(
    demoBanner({
      organisation: demo.tenant.slug,
      adminEmail: demo.admin.user.email,
      oneTimePassword: demo.admin.oneTimePassword,
      apiKey: demo.key.key,
      keyExpiresAt: demo.key.expiresAt?.slice(0, 10) ?? 'never',
      baseUrl: `http://${host}:${config.PORT}`,
    }),
  );
  log.info(
    { tenantId: demo.tenant.id, keyPrefix: demo.key.prefix },
    'demo tenant created; its one-time credentials were printed once, above',
  );
}

function exitAfterFlush(log: Logger, code: number): void {
  log.flush(() => process.exit(code));
}
