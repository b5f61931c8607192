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
