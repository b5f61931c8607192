import { Injectable } from '@nestjs/common';
import { TenantDatabase } from 'src/database/tenant-database';
import { isUniqueViolation } from 'src/database/unique-violation';
import { SlugTakenError } from 'src/tenants/tenants.errors';
import { TenantEntity } from 'src/tenants/tenant.entity';

@Injectable()
export class TenantsRepository {
  constructor(private readonly db: TenantDatabase) {}

  /** The new tenant's id is chosen by the caller: the row can only be written in its own context. */
  insert(
    tenantId: string,
    tenant: { slug: string; name: string; isDemo: boolean },
  ): Promise<TenantEntity> {
    return this.db
      .run(tenantId, (m) => m.save(m.create(TenantEntity, { ...tenant, id: tenantId })))
      .catch((error: unknown) => {
        if (isUniqueViolation(error, 'tenants_slug_key')) throw new SlugTakenError(tenant.slug);
        throw error;
      });
  }

  findById(tenantId: string): Promise<TenantEntity | null> {
    return this.db.run(tenantId, (m) => m.findOneBy(TenantEntity, { id: tenantId }));
  }

  /** Before the tenant is known (sign-in names it by slug): the SECURITY DEFINER look-up. */
  async findIdBySlug(slug: string): Promise<string | null> {
    const rows = await this.db.withoutTenant<{ id: string | null }[]>(
      'SELECT auth_find_tenant($1) AS id',
      [slug],
    );
    return rows[0]?.id ?? null;
  }
}
