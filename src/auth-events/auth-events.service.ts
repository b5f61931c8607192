import { Injectable } from '@nestjs/common';
import { AuthEventType } from 'src/auth-events/auth-event-types';
import { AuthEventEntity } from 'src/auth-events/auth-event.entity';
import { AuthEventsRepository, NewAuthEvent } from 'src/auth-events/auth-events.repository';

export interface AuthEventView {
  id: string;
  occurredAt: string;
  type: AuthEventType;
  actorUserId: string | null;
  subjectId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** The access-control trail: who signed in, failed to, and changed whose access. */
@Injectable()
export class AuthEventsService {
  constructor(private readonly events: AuthEventsRepository) {}

  record(tenantId: string | null, event: NewAuthEvent): Promise<void> {
    return tenantId ? this.events.insert(tenantId, event) : this.events.insertWithoutTenant(event);
  }

  async list(
    tenantId: string,
    limit: number,
    beforeId?: string,
  ): Promise<{ events: AuthEventView[]; next: string | null }> {
    const rows = await this.events.list(tenantId, limit, beforeId);
    return {
      events: rows.map(toView),
      next: rows.length === limit ? rows[rows.length - 1].id : null,
    };
  }
}

function toView(e: AuthEventEntity): AuthEventView {
  return {
    id: e.id,
    occurredAt: e.occurredAt.toISOString(),
    type: e.type,
    actorUserId: e.actorUserId,
    subjectId: e.subjectId,
    ip: e.ip,
    details: e.details,
  };
}
