import { isAbsolute, resolve } from 'node:path';

/**
 * Every environment variable the service reads, in one table. Each entry says what it is for, its
 * default, whether it is a secret (masked whenever the effective configuration is printed), and how
 * its text is turned into a typed value. A parser throws a plain message; `loadConfig` adds the
 * variable's name so the operator knows exactly what to fix.
 */
export interface VariableSpec<T> {
  readonly description: string;
  /** The default as an operator would type it, or undefined when the variable is optional. */
  readonly default?: string;
  readonly sensitive: boolean;
  readonly parse: (raw: string) => T;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The smallest REPORT_PACKAGE_MAX_BYTES: one record of a long generation must still fit. */
const MIN_REPORT_PACKAGE_BYTES = 1024 ** 2;
/**
 * The largest: the evidence format's MAX_PACKAGE_BYTES (src/evidence-format/, on this floor, so
 * not imported; a test in src/reports/ holds the two equal).
 */
export const REPORT_PACKAGE_BYTES_CEILING = 2 * 1024 ** 3;

export const parsers = {
  port: (raw: string): number => {
    if (!/^\d+$/.test(raw))
      throw new Error(`must be a whole number between 0 and 65535, got "${raw}"`);
    const port = Number(raw);
    if (port > 65535) throw new Error(`must be between 0 and 65535, got ${port}`);
    return port;
  },
  positiveInt: (raw: string): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < 1) {
      throw new Error(`must be a whole number of at least 1, got "${raw}"`);
    }
    return Number(raw);
  },
  bool: (raw: string): boolean => {
    const value = raw.toLowerCase();
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    throw new Error(`must be true or false, got "${raw}"`);
  },
  url: (protocols: readonly string[]) => {
    return (raw: string): string => {
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new Error(
          `must be a URL such as ${protocols[0]}//host:port/..., got an unparseable value`,
        );
      }
      if (!protocols.includes(parsed.protocol)) {
        throw new Error(`must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
      }
      return raw;
    };
  },
  packageSegment: (raw: string): string => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(raw) || raw.includes('..')) {
      throw new Error(`must be a plain folder name (letters, digits, . _ -), got "${raw}"`);
    }
    return raw;
  },
  logOrigin: (raw: string): string => {
    if (!/^[a-z0-9]([a-z0-9.-]{0,200}[a-z0-9])?$/.test(raw)) {
      throw new Error(`must be a host-like name (lower-case letters, digits, . -), got "${raw}"`);
    }
    return raw;
  },
  text: (raw: string): string => {
    if (raw.trim() !== raw || raw.length > 255) {
      throw new Error('must be at most 255 characters without surrounding spaces');
    }
    return raw;
  },
  passphrase: (raw: string): string => {
    if (raw.length < 16) throw new Error('must be at least 16 characters');
    return raw;
  },
  directory: (raw: string): string => {
    if (raw.trim() === '') throw new Error('must be a directory path, got an empty value');
    return isAbsolute(raw) ? raw : resolve(process.cwd(), raw);
  },
  byteSize: (raw: string): number => {
    const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw.trim());
    if (!match) throw new Error(`must be a size such as 512kb or 1mb, got "${raw}"`);
    const unit = (match[2] ?? 'b').toLowerCase();
    const factor = unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1;
    return Number(match[1]) * factor;
  },
  logLevel: (raw: string): LogLevel => {
    const level = raw.toLowerCase();
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      throw new Error(`must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
    }
    return level as LogLevel;
  },
};

/** A variable with a default: always has a value after validation. */
function withDefault<T>(
  s: VariableSpec<T> & { default: string },
): VariableSpec<T> & { default: string } {
  return s;
}

/** A variable without a default: `undefined` when unset. */
function optional<T>(s: Omit<VariableSpec<T>, 'default'>): VariableSpec<T> {
  return s;
}

export const CONFIG_SCHEMA = {
  PORT: withDefault({
    description: 'TCP port of the HTTP API and the portal.',
    default: '3000',
    sensitive: false,
    parse: parsers.port,
  }),
  HOST: withDefault({
    description:
      'Interface the HTTP server binds to. Loopback by default, so a first start (which prints an all-scopes demo key) is not reachable from the network; 0.0.0.0 for every interface (the Docker image sets it).',
    default: '127.0.0.1',
    sensitive: false,
    parse: (raw) => raw,
  }),
  DATABASE_URL: optional({
    description:
      'PostgreSQL connection URL. Unset: an embedded PostgreSQL server is started with its data in DATA_DIR (see DATA_DIR).',
    sensitive: true,
    parse: parsers.url(['postgres:', 'postgresql:']),
  }),
  DATABASE_APP_URL: optional({
    description:
      'Connection URL of the role the service runs its queries as (row-level security applies to it; it must not be a superuser or have BYPASSRLS). Unset: a role audit_app is given a login with a password derived from DATABASE_URL. DATABASE_URL itself is used only for migrations, provisioning and the queue.',
    sensitive: true,
    parse: parsers.url(['postgres:', 'postgresql:']),
  }),
  REDIS_URL: optional({
    description:
      'Redis URL for the BullMQ queues (production path). Unset: BullMQ runs on its PostgreSQL backend in the same database.',
    sensitive: true,
    parse: parsers.url(['redis:', 'rediss:']),
  }),
  DATA_DIR: withDefault({
    description:
      'Folder for local state: the embedded PostgreSQL cluster and its credentials, and local artifacts. As root, when the postgres user cannot enter DATA_DIR (a clone below a 0700 home), a new cluster lives in /var/lib/interpretable-audit/clusters/ and DATA_DIR/postgres-location names it.',
    default: './data',
    sensitive: false,
    parse: parsers.directory,
  }),
  EMBEDDED_DB_PORT: withDefault({
    description: 'Port of the embedded PostgreSQL server (used only when DATABASE_URL is unset).',
    default: '54329',
    sensitive: false,
    parse: parsers.port,
  }),
  MODEL_STORE_DIR: withDefault({
    description:
      'Folder holding model packages as <name>/<version>/ (model.onnx, manifest.json, ...).',
    default: './model-store',
    sensitive: false,
    parse: parsers.directory,
  }),
  MODEL_NAME: withDefault({
    description: 'The model package the service loads at start, from MODEL_STORE_DIR/<name>/.',
    default: 'audit-lm-full',
    sensitive: false,
    parse: parsers.packageSegment,
  }),
  MODEL_VERSION: withDefault({
    description:
      'Version of that package (MODEL_STORE_DIR/<name>/<version>/); every file is checked against its manifest before the service starts.',
    default: '2.3.0',
    sensitive: false,
    parse: parsers.packageSegment,
  }),
  ARTIFACTS_DIR: optional({
    description:
      'Folder of the local artifact store: report PDFs and evidence packages, each under its SHA-256 in the database. Unset: DATA_DIR/artifacts. Several processes may share it (writes are atomic renames).',
    sensitive: false,
    parse: parsers.directory,
  }),
  REPORT_PACKAGE_MAX_BYTES: withDefault({
    description:
      "The most signed entries (their canonical bodies, uncompressed) a report's evidence package may carry, in bytes: a period audit or case file whose records hold more is refused when it is requested (422), and a build that passes it stops. At most the evidence format's 2 GiB (2147483648), the default; a deployment may set less to bound its packages' size.",
    default: String(REPORT_PACKAGE_BYTES_CEILING),
    sensitive: false,
    parse: (raw: string): number => {
      const bytes = parsers.positiveInt(raw);
      if (bytes < MIN_REPORT_PACKAGE_BYTES || bytes > REPORT_PACKAGE_BYTES_CEILING) {
        throw new Error(
          `must be between ${MIN_REPORT_PACKAGE_BYTES} (1 MiB) and ${REPORT_PACKAGE_BYTES_CEILING} (the evidence format's 2 GiB), got ${bytes}`,
        );
      }
      return bytes;
    },
  }),
  TEXT_KEY_DIR: optional({
    description:
      "Folder of the keys that wrap records' text keys (one per tenant and day, sealed with SIGNING_KEY_PASSPHRASE). It must live outside the database and its backups: erasure destroys a key here, so no database backup can bring an erased text back. Unset: DATA_DIR/text-keys. Every process of a deployment must share it.",
    sensitive: false,
    parse: parsers.directory,
  }),
  SIGNING_KEY_FILE: optional({
    description:
      'The Ed25519 signing key ring, encrypted at rest with SIGNING_KEY_PASSPHRASE. Unset: DATA_DIR/signing-keys.json. Created with one key on first start.',
    sensitive: false,
    parse: parsers.directory,
  }),
  SIGNING_KEY_PASSPHRASE: optional({
    description:
      'Passphrase that encrypts the signing key ring (scrypt, AES-256-GCM). Required with DATABASE_URL; on the embedded default a random one is kept in DATA_DIR/signing-key-passphrase.',
    sensitive: true,
    parse: parsers.passphrase,
  }),
  LOG_ORIGIN: withDefault({
    description:
      "The origin line of the tenants' signed checkpoints: <LOG_ORIGIN>/<tenant id> names each tenant's log, and its signing key.",
    default: 'audit.local',
    sensitive: false,
    parse: parsers.logOrigin,
  }),
  CHECKPOINT_INTERVAL_SECONDS: withDefault({
    description:
      'How often a checkpoint of every log that grew is signed, each round by one worker. Set by the workers at start; the last to start wins.',
    default: '60',
    sensitive: false,
    parse: parsers.positiveInt,
  }),
  LOG_LEVEL: withDefault({
    description: 'Minimum level of the JSON logs written to stdout.',
    default: 'info',
    sensitive: false,
    parse: parsers.logLevel,
  }),
  RUN_WORKERS: withDefault({
    description:
      'Whether the API process also runs the queue workers (single-process mode). Set false when separate worker processes run.',
    default: 'true',
    sensitive: false,
    parse: parsers.bool,
  }),
  WORKER_CONCURRENCY: withDefault({
    description: 'Jobs each worker process runs at once per queue.',
    default: '2',
    sensitive: false,
    parse: parsers.positiveInt,
  }),
  BODY_LIMIT: withDefault({
    description: 'Largest accepted request body (JSON); larger bodies get 413.',
    default: '1mb',
    sensitive: false,
    parse: parsers.byteSize,
  }),
  SHUTDOWN_TIMEOUT_MS: withDefault({
    description:
      'How long a stopping process waits for in-flight requests and jobs before it exits anyway.',
    default: '25000',
    sensitive: false,
    parse: parsers.positiveInt,
  }),
  DB_POOL_SIZE: withDefault({
    description: 'Maximum PostgreSQL connections in the application pool of each process.',
    default: '10',
    sensitive: false,
    parse: parsers.positiveInt,
  }),
  TRUST_PROXY: withDefault({
    description:
      'Express "trust proxy" setting: which proxies may set X-Forwarded-For/-Proto (client IP for rate limits, Secure cookies behind TLS). E.g. loopback, 10.0.0.0/8, or a hop count.',
    default: 'loopback',
    sensitive: false,
    parse: (raw) => raw,
  }),
  SESSION_IDLE_MINUTES: withDefault({
    description: 'A portal session ends after this many minutes without a request.',
    default: '30',
    sensitive: false,
    parse: parsers.positiveInt,
  }),
  SESSION_MAX_HOURS: withDefault({
    description: 'A portal session ends this many hours after sign-in, whatever the activity.',
    default: '12',
    sensitive: false,
    parse: parsers.positiveInt,
  }),
  SIGN_IN_LOCKOUT_THRESHOLD: withDefault({
    description: 'Consecutive failed sign-ins after which an account is locked.',
    default: '5',
    sensitive: false,
    parse: parsers.positiveInt,
  }),
  SIGN_IN_LOCKOUT_MINUTES: withDefault({
    description: 'How long a locked account stays locked.',
    default: '15',
    sensitive: false,
    parse: parsers.positiveInt,
  }),
  SIGN_IN_RATE_PER_MINUTE: withDefault({
    description: 'Sign-in attempts accepted per client IP per minute (then 429).',
    default: '10',
    sensitive: false,
    parse: parsers.positiveInt,
  }),
  API_KEY_RATE_PER_MINUTE: withDefault({
    description: 'Requests accepted per API key per minute, per process (then 429).',
    default: '600',
    sensitive: false,
    parse: parsers.positiveInt,
  }),
  PUBLIC_URL: optional({
    description:
      'The URL people reach the service at (scheme, host, port, no path), for the redirect URI an OpenID Connect provider sends people back to: PUBLIC_URL/v1/auth/oidc/callback. Required with OIDC_ISSUER.',
    sensitive: false,
    parse: parsers.url(['https:', 'http:']),
  }),
  OIDC_ISSUER: optional({
    description:
      "An OpenID Connect provider people may sign in with (its issuer URL; discovery at /.well-known/openid-configuration). A person signs in as the user of the chosen organisation whose e-mail the provider vouches for (email_verified), and that (issuer, subject) stays linked to that user. Password sign-in stays. Unset: passwords only. Plain http only for a provider on this machine's loopback.",
    sensitive: false,
    parse: parsers.url(['https:', 'http:']),
  }),
  OIDC_CLIENT_ID: optional({
    description: 'The client id this service is registered under at OIDC_ISSUER.',
    sensitive: false,
    parse: parsers.text,
  }),
  OIDC_CLIENT_SECRET: optional({
    description: 'The client secret for OIDC_CLIENT_ID (client_secret_basic).',
    sensitive: true,
    parse: parsers.text,
  }),
  DEMO_TENANT: withDefault({
    description:
      'On the embedded default, create a demo tenant on first start and print its one-time admin password and application key.',
    default: 'true',
    sensitive: false,
    parse: parsers.bool,
  }),
} as const;

export type ConfigSchema = typeof CONFIG_SCHEMA;
export type ConfigKey = keyof ConfigSchema;
