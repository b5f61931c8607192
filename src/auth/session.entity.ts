import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { UserEntity } from 'src/users/user.entity';

/**
 * A portal sign-in. The cookie carries a random token and only its SHA-256 is stored, so a copy
 * of this table cannot be replayed as a session. The CSRF token is derived from the cookie's
 * token (src/auth/session-tokens.ts), so it needs no column.
 */
@Entity('sessions')
@Unique('sessions_token_hash_key', ['tokenHash'])
@Check('sessions_token_hash_check', `octet_length("token_hash") = 32`)
@Index('sessions_user_idx', ['tenantId', 'userId'])
export class SessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'RESTRICT' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'sessions_user_fk',
    },
    { name: 'user_id', referencedColumnName: 'id', foreignKeyConstraintName: 'sessions_user_fk' },
  ])
  user?: UserEntity;

  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz', default: () => 'now()' })
  lastSeenAt!: Date;

  /** Absolute end, whatever the activity. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
