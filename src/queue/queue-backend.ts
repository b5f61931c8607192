import {
  ConnectionOptions,
  createPostgresBackend,
  PostgresPoolConfig,
  setDefaultBackendFactory,
} from 'bullmq';

export type QueueBackendKind = 'redis' | 'postgres';

export interface QueueBackend {
  readonly kind: QueueBackendKind;
  /** What BullMQ's `connection` option receives: ioredis options, or a pg pool config. */
  readonly connection: ConnectionOptions | PostgresPoolConfig;
  /** Where it points, without credentials, for logs. */
  readonly description: string;
  /** Redis key prefix (Redis only): lets tests share one Redis without seeing each other's jobs. */
  readonly prefix?: string;
}

/** BullMQ's tables live in their own schema, away from ours and our migrations. */
export const BULLMQ_PG_SCHEMA = 'bullmq';

export function redisConnectionFromUrl(url: string): ConnectionOptions {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // Workers block on Redis; BullMQ requires unlimited retries per request for them.
    maxRetriesPerRequest: null,
  };
}

/**
 * Chooses the queue backend: Redis when `REDIS_URL` is set (production), otherwise BullMQ's
 * PostgreSQL backend on the service's own database (the embedded default). `@nestjs/bullmq` builds
 * its queues and workers with BullMQ's process-wide default backend, so that is what we set.
 */
export function selectQueueBackend(
  redisUrl: string | undefined,
  databaseUrl: string,
  opts: { schema?: string; poolSize?: number; prefix?: string } = {},
): QueueBackend {
  if (redisUrl) {
    setDefaultBackendFactory(undefined);
    const u = new URL(redisUrl);
    return {
      kind: 'redis',
      connection: redisConnectionFromUrl(redisUrl),
      description: `redis ${u.hostname}:${u.port || '6379'}`,
      ...(opts.prefix ? { prefix: opts.prefix } : {}),
    };
  }
  setDefaultBackendFactory(createPostgresBackend);
  const schema = opts.schema ?? BULLMQ_PG_SCHEMA;
  return {
    kind: 'postgres',
    connection: {
      connectionString: databaseUrl,
      schema,
      migrate: true,
      max: opts.poolSize ?? 5,
      application_name: 'interpretable-audit-queue',
    },
    description: `postgres schema ${schema}`,
  };
}
