import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApplicationsService, IssuedApiKey } from 'src/applications/applications.service';
import { SCOPES } from 'src/applications/scopes';
import { AuthEventsService } from 'src/auth-events/auth-events.service';
import { Actor } from 'src/auth/principal';
import { NotFoundError } from 'src/common/domain-error';
import { TenantDatabase } from 'src/database/tenant-database';
import { isSlug, slugify } from 'src/tenants/slug';
import { TenantEntity } from 'src/tenants/tenant.entity';
import { InvalidSlugError, SlugTakenError } from 'src/tenants/tenants.errors';
import { TenantsRepository } from 'src/tenants/tenants.repository';
import { CreatedUser, UsersService } from 'src/users/users.service';

export interface TenantView {
  id: string;
  slug: string;
  name: string;
  isDemo: boolean;
  createdAt: string;
}

export interface CreatedTenant {
  tenant: TenantView;
  admin: CreatedUser;
}

export const DEMO_SLUG = 'demo';
export const DEMO_KEY_DAYS = 30;

@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly users: UsersService,
    private readonly applications: ApplicationsService,
    private readonly events: AuthEventsService,
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
    const { tenantId, slug } = await this.newTenantId(request);
    return this.db.run(tenantId, () => this.insertWithAdmin(tenantId, slug, request, actor));
  }

  /**
   * The embedded default's first start: a demo tenant with an admin and one application key
   * (expiring after DEMO_KEY_DAYS), all in one transaction, so a failure leaves no half-made
   * demo that later starts would skip. Null when the demo tenant exists already.
   */
  async createDemoIfAbsent(): Promise<(CreatedTenant & { key: IssuedApiKey }) | null> {
    if (await this.tenants.findIdBySlug(DEMO_SLUG)) return null;
    const request = {
      name: 'Demo Hospital',
      slug: DEMO_SLUG,
      adminEmail: 'admin@demo.example',
      isDemo: true,
    };
    const { tenantId, slug } = await this.newTenantId(request);
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

  private async newTenantId(request: {
    name: string;
    slug?: string;
  }): Promise<{ tenantId: string; slug: string }> {
    const slug = request.slug ?? slugify(request.name);
    if (!isSlug(slug)) throw new InvalidSlugError(slug);
    if (await this.tenants.findIdBySlug(slug)) throw new SlugTakenError(slug);
    return { tenantId: randomUUID(), slug };
  }

  private async insertWithAdmin(
    tenantId: string,
    slug: string,
    request: { name: string; adminEmail: string; isDemo?: boolean },
    actor: Actor,
  ): Promise<CreatedTenant> {
    const tenant = await this.tenants.insert(tenantId, {
      slug,
      name: request.name.trim(),
      isDemo: request.isDemo ?? false,
    });
    await this.events.record(tenantId, {
      type: 'tenant.created',
      actorUserId: actor.userId,
      subjectId: tenantId,
      details: { slug, name: tenant.name },
    });
    const admin = await this.users.createUser(
      tenantId,
      { email: request.adminEmail, role: 'admin' },
      actor,
    );
    return { tenant: tenantView(tenant), admin };
  }

  async get(tenantId: string): Promise<TenantView> {
    const tenant = await this.tenants.findById(tenantId);
    if (!tenant) throw new NotFoundError('tenant', tenantId);
    return tenantView(tenant);
  }

  findIdBySlug(slug: string): Promise<string | null> {
    return this.tenants.findIdBySlug(slug);
  }
}

function tenantView(t: TenantEntity): TenantView {
  return {
    id: t.id,
    slug: t.slug,
    name: t.name,
    isDemo: t.isDemo,
    createdAt: t.createdAt.toISOString(),
  };
}
