import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pino, { DestinationStream, Logger } from 'pino';
import { AppModule } from 'src/app.module';
import { ApplicationsService } from 'src/applications/applications.service';
import {
  AdminServices,
  CommandName,
  commandSynopsis,
  Invocation,
  parseArgs,
  usage,
  UsageError,
} from 'src/cli/commands';
import { DomainError, ValidationFailedError } from 'src/common/domain-error';
import { BootNestLogger, bootLogger } from 'src/common/logging';
import { AppConfig } from 'src/config/app-config';
import { ConfigValidationError, loadConfig } from 'src/config/config';
import { attachOrOpenDatabaseEndpoint, DatabaseEndpoint } from 'src/database/database-endpoint';
import { assertDatabaseReachable } from 'src/database/database.errors';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { selectQueueBackend } from 'src/queue/queue-backend';
import { openLocalKeyProvider } from 'src/signing/signing-settings';
import { ProvisioningService } from 'src/provisioning/provisioning.service';
import { TenantsService } from 'src/tenants/tenants.service';
import { UsersService } from 'src/users/users.service';

/**
 * The administration CLI: `npm run cli -- <command> [--flags] [--json]`. Stdout carries only the
 * result (one JSON document with --json); every log line goes to stderr, and no secret is logged.
 */
const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_CONFIG = 78;

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) =>
    stream.write(text, (error) => (error ? reject(error) : resolve())),
  );
}

const out = (text: string) => write(process.stdout, text);
const err = (text: string) => write(process.stderr, text);
const jsonDocument = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

async function reportError(code: string, message: string, json: boolean): Promise<void> {
  await err(`error: ${message}\n`);
  if (json) await out(jsonDocument({ error: { code, message } }));
}

async function usageFailure(error: UsageError, json: boolean): Promise<number> {
  await reportError('invalid_arguments', error.message, json);
  const command: CommandName | undefined = error.command;
  const hint = command
    ? `usage: npm run cli -- ${commandSynopsis(command)}\nrun \`npm run cli -- help ${command}\` for details`
    : 'run `npm run cli -- help` for the commands';
  await err(`${hint}\n`);
  return EXIT_USAGE;
}

/** Holds what a command opened, so that every path out (including a signal) closes it. */
class Session {
  private database?: DatabaseEndpoint;
  private app?: INestApplicationContext;
  private closing?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly log: Logger,
    private readonly logDestination: DestinationStream,
  ) {}

  async open(): Promise<AdminServices> {
    const { config, log } = this;
    this.database = await attachOrOpenDatabaseEndpoint(config, (line) =>
      log.debug({ postgres: line }),
    );
    await assertDatabaseReachable(this.database.url);
    const module = AppModule.forRoot({
      config,
      database: this.database,
      queue: selectQueueBackend(config.REDIS_URL, this.database.url),
      http: false,
      runWorkers: false,
      logDestination: this.logDestination,
    });
    this.app = await NestFactory.createApplicationContext(module, {
      logger: new BootNestLogger(log),
      abortOnError: false,
    });
    const tenants = this.app.get(TenantsService);
    const provisioning = this.app.get(ProvisioningService);
    return {
      tenants: {
        // Creating a tenant provisions its first admin too (ProvisioningService).
        create: (request) => provisioning.create(request),
        get: (tenantId) => tenants.get(tenantId),
        findIdBySlug: (slug) => tenants.findIdBySlug(slug),
      },
      users: this.app.get(UsersService),
      applications: this.app.get(ApplicationsService),
    };
  }

  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    await this.app?.close().catch((error: unknown) => {
      this.log.warn({ message: messageOf(error) }, 'error while closing the application');
    });
    // Only a server this process started: an attached one belongs to the running service.
    await this.database?.embedded?.stop().catch((error: unknown) => {
      this.log.warn({ message: messageOf(error) }, 'error while stopping embedded PostgreSQL');
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function readConfig(): AppConfig | ConfigValidationError {
  try {
    return new AppConfig(loadConfig());
  } catch (error) {
    if (error instanceof ConfigValidationError) return error;
    throw error;
  }
}

async function reportFailure(error: unknown, json: boolean, log: Logger): Promise<void> {
  if (error instanceof DomainError) return reportError(error.code, error.message, json);
  // The stack (at debug) but never the error object: driver errors carry query parameters.
  log.debug({ stack: error instanceof Error ? error.stack : undefined }, 'command failed');
  return reportError('internal', messageOf(error), json);
}

function closeOnSignal(session: Session): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    void session.close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}

async function execute(invocation: Extract<Invocation, { kind: 'run' }>): Promise<number> {
  const config = readConfig();
  if (config instanceof ConfigValidationError) {
    await reportError('invalid_configuration', config.problems.join('; '), invocation.json);
    return EXIT_CONFIG;
  }
  const logDestination = pino.destination({ dest: 2, sync: true });
  const log = bootLogger(config.LOG_LEVEL, logDestination);
  const session = new Session(config, log, logDestination);
  const release = closeOnSignal(session);
  try {
    const output = await invocation.run(await session.open());
    await out(invocation.json ? jsonDocument(output.json) : output.text);
    return EXIT_OK;
  } catch (error) {
    await reportFailure(error, invocation.json, log);
    return EXIT_FAILED;
  } finally {
    await session.close();
    release();
  }
}

/**
 * Commands that need the configuration and a logger but no database or server: `work` returns
 * the output; a validation failure is a usage error, anything else a failure.
 */
async function executeLocal(
  json: boolean,
  work: (config: AppConfig, log: Logger) => Promise<{ text: string; json: unknown }>,
): Promise<number> {
  const config = readConfig();
  if (config instanceof ConfigValidationError) {
    await reportError('invalid_configuration', config.problems.join('; '), json);
    return EXIT_CONFIG;
  }
  const log = bootLogger(config.LOG_LEVEL, pino.destination({ dest: 2, sync: true }));
  try {
    const output = await work(config, log);
    await out(json ? jsonDocument(output.json) : output.text);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof ValidationFailedError) {
      const detail = error.fields.map((f) => `${f.field} ${f.problems.join('; ')}`).join('; ');
      await reportError(error.code, detail, json);
      return EXIT_USAGE;
    }
    await reportFailure(error, json, log);
    return EXIT_FAILED;
  }
}

/** Model commands load the configured package in this process; no database is opened. */
function executeModel(invocation: Extract<Invocation, { kind: 'model' }>): Promise<number> {
  return executeLocal(invocation.json, async (config) =>
    invocation.run(
      await ModelRuntime.open(config.MODEL_STORE_DIR, config.MODEL_NAME, config.MODEL_VERSION),
    ),
  );
}

/** Signing key commands open only the key file: no database, no HTTP server. */
function executeSigningKeys(
  invocation: Extract<Invocation, { kind: 'signing-keys' }>,
): Promise<number> {
  return executeLocal(invocation.json, async (config, log) =>
    invocation.run(await openLocalKeyProvider(config, (message) => log.warn(message))),
  );
}

async function main(argv: string[]): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(error, argv.includes('--json'));
    throw error;
  }
  if (invocation.kind === 'run') return execute(invocation);
  if (invocation.kind === 'model') return executeModel(invocation);
  if (invocation.kind === 'signing-keys') return executeSigningKeys(invocation);
  const text = usage(invocation.command);
  await out(invocation.json ? jsonDocument({ usage: text }) : text);
  return EXIT_OK;
}

// process.exit rather than waiting for the event loop: a stray pool timer must not keep an
// operator's shell waiting once the work is done and everything has been closed.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    await err(`error: ${messageOf(error)}\n`);
    process.exit(EXIT_FAILED);
  },
);
