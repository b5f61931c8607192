import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { ApiKeyEntity } from 'src/applications/api-key.entity';
import { ApplicationEntity } from 'src/applications/application.entity';
import { Scope } from 'src/access/scopes';
import { TenantDatabase } from 'src/database/tenant-database';
import { isUniqueViolation } from 'src/database/unique-violation';
import { ApplicationNameTakenError } from 'src/applications/applications.errors';

/** What authentication needs to know about a key, found by its public prefix. */
export interface KeyForAuthentication {
  tenantId: string;
  keyId: string;
  applicationId: string;
  keyHash: Buffer;
  scopes: Scope[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  applicationDisabledAt: Date | null;
  lastUsedAt: Date | null;
}

@Injectable()
export class ApplicationsRepository {
  constructor(private readonly db: TenantDatabase) {}

  insertApplication(
    tenantId: string,
    app: { name: string; createdBy: string | null },
  ): Promise<ApplicationEntity> {
    return this.db
      .run(tenantId, (m) =>
        m.save(m.create(ApplicationEntity, { tenantId, name: app.name, createdBy: app.createdBy })),
      )
      .catch((error: unknown) => {
        if (isUniqueViolation(error, 'applications_tenant_name_key')) {
          throw new ApplicationNameTakenError(app.name);
        }
        throw error;
      });
  }

  findApplication(tenantId: string, id: string): Promise<ApplicationEntity | null> {
    return this.db.run(tenantId, (m) => m.findOneBy(ApplicationEntity, { tenantId, id }));
  }

  findApplicationByName(tenantId: string, name: string): Promise<ApplicationEntity | null> {
    return this.db.run(tenantId, (m) => m.findOneBy(ApplicationEntity, { tenantId, name }));
  }

  listApplications(tenantId: string): Promise<ApplicationEntity[]> {
    return this.db.run(tenantId, (m) =>
      m.find(ApplicationEntity, { where: { tenantId }, order: { createdAt: 'ASC' } }),
    );
  }

  insertKey(
    tenantId: string,
    key: Pick<
      ApiKeyEntity,
      'applicationId' | 'prefix' | 'keyHash' | 'scopes' | 'createdBy' | 'expiresAt'
    >,
  ): Promise<ApiKeyEntity> {
    return this.db.run(tenantId, (m) => m.save(m.create(ApiKeyEntity, { ...key, tenantId })));
  }

  listKeys(tenantId: string, applicationId: string): Promise<ApiKeyEntity[]> {
    return this.db.run(tenantId, (m) =>
      m.find(ApiKeyEntity, { where: { tenantId, applicationId }, order: { createdAt: 'ASC' } }),
    );
  }

  findKey(tenantId: string, id: string): Promise<ApiKeyEntity | null> {
    return this.db.run(tenantId, (m) => m.findOneBy(ApiKeyEntity, { tenantId, id }));
  }

  findKeyByPrefix(tenantId: string, prefix: string): Promise<ApiKeyEntity | null> {
    return this.db.run(tenantId, (m) => m.findOneBy(ApiKeyEntity, { tenantId, prefix }));
  }

  /** Revokes once; a second call changes nothing and returns null. */
  async revokeKey(tenantId: string, id: string, by: string | null): Promise<ApiKeyEntity | null> {
    return this.db.run(tenantId, async (m) => {
      const result = await m.update(
        ApiKeyEntity,
        { tenantId, id, revokedAt: IsNull() },
        { revokedAt: () => 'now()', revokedBy: by },
      );
      return result.affected ? m.findOneBy(ApiKeyEntity, { tenantId, id }) : null;
    });
  }

  /** At most one write a minute per key, so "last used" costs nothing on busy keys. */
  async touchKey(tenantId: string, id: string): Promise<void> {
    await this.db.run(tenantId, (m) =>
      m.query(
        `UPDATE api_keys SET last_used_at = now()
          WHERE tenant_id = $1 AND id = $2
            AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
        [tenantId, id],
      ),
    );
  }

  /** Before the tenant is known: the SECURITY DEFINER look-up by public prefix. */
  async findKeyForAuthentication(prefix: string): Promise<KeyForAuthentication | null> {
    const rows = await this.db.withoutTenant<
      {
        tenant_id: string;
        key_id: string;
        application_id: string;
        key_hash: Buffer;
        scopes: Scope[];
        expires_at: Date | null;
        revoked_at: Date | null;
        application_disabled_at: Date | null;
        last_used_at: Date | null;
      }[]
    >('SELECT * FROM auth_find_api_key($1)', [prefix]);
    const r = rows[0];
    if (!r) return null;
    return {
      tenantId: r.tenant_id,
      keyId: r.key_id,
      applicationId: r.application_id,
      keyHash: r.key_hash,
      scopes: r.scopes,
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
      applicationDisabledAt: r.application_disabled_at,
      lastUsedAt: r.last_used_at,
    };
  }
}
