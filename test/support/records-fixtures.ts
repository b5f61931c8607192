import { Client } from 'pg';
import request from 'supertest';
import { TestApp } from 'test/support/test-app';

/** A POST as an application (Bearer API key), with an Idempotency-Key when given. */
export function postAsApplication(
  t: TestApp,
  path: string,
  key: string,
  body: object,
  idempotencyKey?: string,
) {
  const req = request(t.app.getHttpServer()).post(path).set('Authorization', `Bearer ${key}`);
  if (idempotencyKey) req.set('Idempotency-Key', idempotencyKey);
  return req.send(body);
}

/** A tenant's log size read by the owner connection (past the app, its pool and any proxy). */
export async function logSizeOf(owner: Client, tenantId: string): Promise<number> {
  const { rows } = await owner.query<{ size: string }>(
    `SELECT coalesce(max(size), 0) AS size FROM log_heads WHERE tenant_id = $1`,
    [tenantId],
  );
  return Number(rows[0].size);
}
