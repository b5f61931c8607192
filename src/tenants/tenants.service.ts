import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuthEventsService } from 'src/auth-events/auth-events.service';
import { Actor } from 'src/access/principal';
import { NotFoundError } from 'src/common/domain-error';
import { isSlug, slugify } from 'src/tenants/slug';
import { TenantEntity } from 'src/tenants/tenant.entity';
import { InvalidSlugError, SlugTakenError } from 'src/tenants/tenants.errors';
import { TenantsRepository } from 'src/tenants/tenants.repository';

export interface TenantView {
  id: string;
  slug: string;
  name: string;
  isDemo: boolean;
  createdAt: string;
}

@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly events: AuthEventsService,
  ) {}

  /** A new tenant's id and slug; the slug must be well formed and free. */
  async newTenantId(request: {
    name: string;
    slug?: string;
  }): Promise<{ tenantId: string; slug: string }> {
    const slug = request.slug ?? slugify(request.name);
    if (!isSlug(slug)) throw new InvalidSlugError(slug);
    if (await this.tenants.findIdBySlug(slug)) throw new SlugTakenError(slug);
    return { tenantId: randomUUID(), slug };
  }

  /** Inserts the tenant and its `tenant.created` event (inside the caller's tenant transaction). */
  async insert(
    tenantId: string,
    slug: string,
    request: { name: string; isDemo?: boolean },
    actor: Actor,
  ): Promise<TenantView> {
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
    return tenantView(tenant);
  }

  /** Whether a tenant with this slug exists (the demo tenant, say). */
  async exists(slug: string): Promise<boolean> {
    return (await this.tenants.findIdBySlug(slug)) !== null;
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
