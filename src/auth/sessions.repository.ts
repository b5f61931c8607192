import { Injectable } from '@nestjs/common';
import { IsNull, Not } from 'typeorm';
import { SessionEntity } from 'src/auth/session.entity';
import { TenantDatabase } from 'src/database/tenant-database';
import { Role } from 'src/access/roles';

export interface SessionForAuthentication {
  tenantId: string;
  sessionId: string;
  userId: string;
  expiresAt: Date;
  lastSeenAt: Date;
  revokedAt: Date | null;
  email: string;
  role: Role;
  passwordMustChange: boolean;
  disabledAt: Date | null;
  auditorAccessUntil: Date | null;
}

@Injectable()
export class SessionsRepository {
  constructor(private readonly db: TenantDatabase) {}

  insert(
    tenantId: string,
    session: { userId: string; tokenHash: Buffer; expiresAt: Date },
  ): Promise<SessionEntity> {
    return this.db.run(tenantId, (m) => m.save(m.create(SessionEntity, { ...session, tenantId })));
  }

  /** Before the tenant is known: the SECURITY DEFINER look-up by the token's hash. */
  async findForAuthentication(tokenHash: Buffer): Promise<SessionForAuthentication | null> {
    const rows = await this.db.withoutTenant<Record<string, unknown>[]>(
      'SELECT * FROM auth_find_session($1)',
      [tokenHash],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      tenantId: r.tenant_id as string,
      sessionId: r.session_id as string,
      userId: r.user_id as string,
      expiresAt: r.expires_at as Date,
      lastSeenAt: r.last_seen_at as Date,
      revokedAt: r.revoked_at as Date | null,
      email: r.email as string,
      role: r.role as Role,
      passwordMustChange: r.password_must_change as boolean,
      disabledAt: r.disabled_at as Date | null,
      auditorAccessUntil: r.auditor_access_until as Date | null,
    };
  }

  /** Ended sessions of a user, kept 30 days for the record, then deleted at their next sign-in. */
  async purgeEnded(tenantId: string, userId: string): Promise<void> {
    await this.db.run(tenantId, (m) =>
      m.query(
        `DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2
            AND (expires_at < now() - interval '30 days' OR revoked_at < now() - interval '30 days')`,
        [tenantId, userId],
      ),
    );
  }

  async touch(tenantId: string, id: string): Promise<void> {
    await this.db.run(tenantId, (m) =>
      m.update(SessionEntity, { tenantId, id }, { lastSeenAt: () => 'now()' }),
    );
  }

  async revoke(tenantId: string, id: string): Promise<void> {
    await this.db.run(tenantId, (m) =>
      m.update(SessionEntity, { tenantId, id, revokedAt: IsNull() }, { revokedAt: () => 'now()' }),
    );
  }

  async revokeOthers(tenantId: string, userId: string, keepId: string): Promise<void> {
    await this.db.run(tenantId, (m) =>
      m.update(
        SessionEntity,
        { tenantId, userId, id: Not(keepId), revokedAt: IsNull() },
        { revokedAt: () => 'now()' },
      ),
    );
  }
}
