import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { INestApplicationContext } from '@nestjs/common';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AppModule } from 'src/app.module';
import { BootNestLogger, bootLogger } from 'src/common/logging';
import { AppConfig } from 'src/config/app-config';
import { ConfigValidationError, describeConfig, loadConfig } from 'src/config/config';
import { DatabaseEndpoint, openDatabaseEndpoint } from 'src/database/database-endpoint';
import { assertDatabaseReachable } from 'src/database/database.errors';
import { configureHttpApp } from 'src/http-app';
import { selectQueueBackend } from 'src/queue/queue-backend';

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
      configureHttpApp(http, config);
      await http.listen(config.PORT, config.HOST);
      app = http;
    } else {
      app = await NestFactory.createApplicationContext(module, {
        logger: new BootNestLogger(log),
        abortOnError: false,
      });
      app.useLogger(app.get(PinoNestLogger));
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

function exitAfterFlush(log: Logger, code: number): void {
  log.flush(() => process.exit(code));
}
