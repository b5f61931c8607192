import { Injectable } from '@nestjs/common';
import { Actor } from 'src/access/principal';
import { SCOPES } from 'src/access/scopes';
import { ApplicationsService, IssuedApiKey } from 'src/applications/applications.service';
import { TenantDatabase } from 'src/database/tenant-database';
import { TenantsService, TenantView } from 'src/tenants/tenants.service';
import { CreatedUser, UsersService } from 'src/users/users.service';

export interface CreatedTenant {
  tenant: TenantView;
  admin: CreatedUser;
}

export const DEMO_SLUG = 'demo';
export const DEMO_KEY_DAYS = 30;

/**
 * Platform operations that make a tenant usable: the tenant with its first admin, and the
 * embedded default's demo tenant. They span tenants, users and applications, so they live above
 * all three rather than in `tenants/` (which users and applications build on).
 */
@Injectable()
export class ProvisioningService {
  constructor(
    private readonly tenants: TenantsService,
    private readonly users: UsersService,
    private readonly applications: ApplicationsService,
    private readonly db: TenantDatabase,
  ) {}

  /**
   * A platform operation (CLI only): the tenant and its first admin, in one transaction. The
   * admin's one-time password is in the result and nowhere else.
   */
  async create(
    request: { name: string; slug?: string; adminEmail: string; isDemo?: boolean },
    actor: Actor = { userId: null },
  ): Promise<CreatedTenant> {
    const { tenantId, slug } = await this.tenants.newTenantId(request);
    return this.db.run(tenantId, () => this.insertWithAdmin(tenantId, slug, request, actor));
  }

  /**
   * The embedded default's first start: a demo tenant with an admin and one application key
   * (expiring after DEMO_KEY_DAYS), all in one transaction, so a failure leaves no half-made
   * demo that later starts would skip. Null when the demo tenant exists already.
   */
  async createDemoIfAbsent(): Promise<(CreatedTenant & { key: IssuedApiKey }) | null> {
    if (await this.tenants.exists(DEMO_SLUG)) return null;
    const request = {
      name: 'Demo Hospital',
      slug: DEMO_SLUG,
      adminEmail: 'admin@demo.example',
      isDemo: true,
    };
    const { tenantId, slug } = await this.tenants.newTenantId(request);
    const operator = { userId: null };
    return this.db.run(tenantId, async () => {
      const created = await this.insertWithAdmin(tenantId, slug, request, operator);
      const { key } = await this.applications.createApplication(
        tenantId,
        {
          name: 'demo-app',
          scopes: [...SCOPES],
          expiresAt: new Date(Date.now() + DEMO_KEY_DAYS * 86_400_000).toISOString(),
        },
        operator,
      );
      return { ...created, key };
    });
  }

  private async insertWithAdmin(
    tenantId: string,
    slug: string,
    request: { name: string; adminEmail: string; isDemo?: boolean },
    actor: Actor,
  ): Promise<CreatedTenant> {
    const tenant = await this.tenants.insert(tenantId, slug, request, actor);
    const admin = await this.users.createUser(
      tenantId,
      { email: request.adminEmail, role: 'admin' },
      actor,
    );
    return { tenant, admin };
  }
}
