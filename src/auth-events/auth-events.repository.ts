import { Injectable } from '@nestjs/common';
import { AuthEventEntity } from 'src/auth-events/auth-event.entity';
import { AuthEventType } from 'src/auth-events/auth-event-types';
import { TenantDatabase } from 'src/database/tenant-database';

export interface NewAuthEvent {
  type: AuthEventType;
  actorUserId?: string | null;
  subjectId?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

@Injectable()
export class AuthEventsRepository {
  constructor(private readonly db: TenantDatabase) {}

  async insert(tenantId: string, event: NewAuthEvent): Promise<void> {
    await this.db.run(tenantId, (m) =>
      m.query(
        `INSERT INTO auth_events (tenant_id, type, actor_user_id, subject_id, ip, details)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          tenantId,
          event.type,
          event.actorUserId ?? null,
          event.subjectId ?? null,
          event.ip ?? null,
          JSON.stringify(event.details ?? {}),
        ],
      ),
    );
  }

  /** Only for failed sign-ins that name no existing tenant; the policy admits a NULL tenant. */
  async insertWithoutTenant(event: NewAuthEvent): Promise<void> {
    await this.db.withoutTenant(
      `INSERT INTO auth_events (tenant_id, type, ip, details) VALUES (NULL, $1, $2, $3)`,
      [event.type, event.ip ?? null, JSON.stringify(event.details ?? {})],
    );
  }

  /** Newest first; `beforeId` is the keyset cursor (the last id of the previous page). */
  list(tenantId: string, limit: number, beforeId?: string): Promise<AuthEventEntity[]> {
    return this.db.run(tenantId, (m) => {
      const query = m
        .createQueryBuilder(AuthEventEntity, 'e')
        .where('e.tenant_id = :tenantId', { tenantId })
        .orderBy('e.id', 'DESC')
        .limit(limit);
      if (beforeId) query.andWhere('e.id < :beforeId', { beforeId });
      return query.getMany();
    });
  }
}
