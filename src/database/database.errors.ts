import { Client } from 'pg';

/** Thrown at start-up when PostgreSQL cannot be reached; its message names the server and cause. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** `host:port/database as user`, never the password: safe for logs and error messages. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    const db = u.pathname.replace(/^\//, '') || '(default database)';
    return `${u.hostname}:${u.port || '5432'}/${db}${u.username ? ` as ${decodeURIComponent(u.username)}` : ''}`;
  } catch {
    return '(unparseable database URL)';
  }
}

export function connectionFailure(url: string, error: unknown): DatabaseUnavailableError {
  const cause =
    error instanceof AggregateError && error.errors.length > 0
      ? (error.errors as Error[]).map((e) => e.message).join('; ')
      : error instanceof Error
        ? error.message
        : String(error);
  return new DatabaseUnavailableError(
    `cannot connect to PostgreSQL at ${describeDatabaseUrl(url)}: ${cause || 'unknown error'}`,
  );
}

/**
 * One connection attempt before anything else starts, so an unreachable or misconfigured database
 * is reported at once, by name, instead of after an ORM's retry loop.
 */
export async function assertDatabaseReachable(url: string, timeoutMs = 10_000): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw connectionFailure(url, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
]);
// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now.
const SHUTDOWN_STATES = new Set(['57P01', '57P02', '57P03']);

/**
 * Whether an error means PostgreSQL could not be reached or went away mid-query (rather than
 * refusing a statement): connection errors, SQLSTATE class 08, server shutdown, the pool's and
 * the driver's timeouts. Such a failure is the service being unavailable, not a bug.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const { code, message, driverError, cause } = e as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string') {
      if (UNREACHABLE_CODES.has(code) || SHUTDOWN_STATES.has(code) || code.startsWith('08')) {
        return true;
      }
    }
    if (
      typeof message === 'string' &&
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error/i.test(
        message,
      )
    ) {
      return true;
    }
    e = driverError ?? cause;
  }
  return false;
}
