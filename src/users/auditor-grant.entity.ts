import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { UserEntity } from 'src/users/user.entity';

/**
 * Time-boxed access for an external auditor. Access is checked against `valid_until` on every
 * request, so it ends at expiry with nobody having to act.
 */
@Entity('auditor_grants')
@Check('auditor_grants_window_check', `"valid_until" > "valid_from"`)
@Index('auditor_grants_user_idx', ['tenantId', 'userId', 'validUntil'])
export class AuditorGrantEntity {
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
      foreignKeyConstraintName: 'auditor_grants_user_fk',
    },
    {
      name: 'user_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'auditor_grants_user_fk',
    },
  ])
  user?: UserEntity;

  @Column({ name: 'valid_from', type: 'timestamptz', default: () => 'now()' })
  validFrom!: Date;

  @Column({ name: 'valid_until', type: 'timestamptz' })
  validUntil!: Date;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  /** The admin who granted it; null when granted from the CLI. */
  @Column({ name: 'granted_by', type: 'uuid', nullable: true })
  grantedBy!: string | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_by', type: 'uuid', nullable: true })
  revokedBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
