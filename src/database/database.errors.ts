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
