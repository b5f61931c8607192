import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager } from 'typeorm';
import { isUuid } from 'src/evidence-format/ids';

interface Scope {
  tenantId: string;
  manager: EntityManager;
}

/**
 * The only way repositories reach tenant data. `run(tenantId, work)` opens a transaction and sets
 * `app.tenant_id` for it alone (set_config(..., true)), which the row-level security policies
 * read: inside, no query can see or write another tenant's rows, whatever its WHERE clause says.
 * Nested calls for the same tenant join the open transaction; for another tenant they are a bug.
 */
@Injectable()
export class TenantDatabase {
  private readonly scope = new AsyncLocalStorage<Scope>();

  constructor(private readonly dataSource: DataSource) {}

  async run<T>(tenantId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const current = this.scope.getStore();
    if (current) {
      if (current.tenantId !== tenantId) {
        throw new Error(
          `tenant ${tenantId} used inside a transaction of tenant ${current.tenantId}`,
        );
      }
      return work(current.manager);
    }
    if (!isUuid(tenantId)) throw new Error(`not a tenant id: ${JSON.stringify(tenantId)}`);
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
      return this.scope.run({ tenantId, manager }, () => work(manager));
    });
  }

  /**
   * The rows of one query, `batch` at a time, through a server-side cursor in a read-only
   * transaction of the tenant (one snapshot: every batch sees the same data). The plan is made
   * once for the whole result, so reading N rows costs one pass, however they are ordered. The
   * next batch is fetched while the caller works on this one. The transaction ends when the
   * rows do, or when the caller stops early.
   */
  async *stream<T>(
    tenantId: string,
    sql: string,
    params: unknown[],
    batch: number,
  ): AsyncGenerator<T[]> {
    if (!isUuid(tenantId)) throw new Error(`not a tenant id: ${JSON.stringify(tenantId)}`);
    if (this.scope.getStore()) throw new Error('a cursor cannot join an open transaction');
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await runner.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
      await runner.query(`DECLARE rows NO SCROLL CURSOR FOR ${sql}`, params);
      const fetch = () => {
        const rows = runner.query(`FETCH ${Math.trunc(batch)} FROM rows`) as Promise<T[]>;
        // A caller that stops early never awaits the batch read ahead: not an unhandled failure.
        rows.catch(() => undefined);
        return rows;
      };
      let next = fetch();
      for (;;) {
        const rows = await next;
        if (rows.length === 0) break;
        const full = rows.length === batch;
        if (full) next = fetch();
        yield rows;
        if (!full) break;
      }
    } finally {
      await runner.query('ROLLBACK').catch(() => undefined);
      await runner.release();
    }
  }

  /**
   * Runs `work` outside any open tenant transaction: for work started on behalf of many callers
   * (the log's group commit) that must open its own transaction, never join a caller's.
   */
  detached<T>(work: () => T): T {
    return this.scope.exit(work);
  }

  /**
   * Queries that run before any tenant is known: only the SECURITY DEFINER look-ups that resolve
   * a credential to its tenant (see the CreateTenantsAndAccess migration). RLS hides every tenant
   * table from plain queries here.
   */
  withoutTenant<T>(sql: string, params: unknown[]): Promise<T> {
    return this.dataSource.query<T>(sql, params);
  }
}
