import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { AUTH_EVENT_TYPES, AuthEventType } from 'src/auth-events/auth-event-types';

/**
 * The access-control trail. Append-only: a trigger rejects UPDATE, DELETE and TRUNCATE, and the
 * application's role is granted only SELECT and INSERT. It moves into the signed log later.
 */
@Entity('auth_events')
@Check('auth_events_type_check', `"type" IN (${AUTH_EVENT_TYPES.map((t) => `'${t}'`).join(', ')})`)
@Index('auth_events_tenant_time_idx', ['tenantId', 'occurredAt'])
export class AuthEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  /** Null only for failed sign-ins naming an organisation that does not exist. */
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  occurredAt!: Date;

  @Column({ type: 'text' })
  type!: AuthEventType;

  /** Who acted: a user id, or null for the CLI (the platform operator) or an anonymous caller. */
  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true })
  actorUserId!: string | null;

  /** What it was done to: a user, key, application or grant id. */
  @Column({ name: 'subject_id', type: 'uuid', nullable: true })
  subjectId!: string | null;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  /** Never a secret: an email, a key prefix, a reason, scopes. */
  @Column({ type: 'jsonb', default: {} })
  details!: Record<string, unknown>;
}
