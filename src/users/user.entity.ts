import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { TenantEntity } from 'src/tenants/tenant.entity';
import { ROLES, Role } from 'src/access/roles';

/** A person who signs in to the portal. Applications are not users; they hold API keys. */
@Entity('users')
@Unique('users_tenant_email_key', ['tenantId', 'email'])
// The target of composite foreign keys, so a row can never point at another tenant's user.
@Unique('users_tenant_id_key', ['tenantId', 'id'])
@Check('users_role_check', `"role" IN (${ROLES.map((r) => `'${r}'`).join(', ')})`)
@Check('users_email_check', `"email" = lower("email") AND "email" LIKE '%_@_%'`)
@Check('users_failed_sign_ins_check', `"failed_sign_ins" >= 0`)
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'users_tenant_fk' })
  tenant?: TenantEntity;

  /** Stored lower-cased. */
  @Column({ type: 'text' })
  email!: string;

  @Column({ type: 'text' })
  role!: Role;

  /** argon2id, PHC string format. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  /** Set for passwords someone else chose (CLI, admin): the first sign-in must replace it. */
  @Column({ name: 'password_must_change', type: 'boolean', default: true })
  passwordMustChange!: boolean;

  @Column({ name: 'failed_sign_ins', type: 'integer', default: 0 })
  failedSignIns!: number;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
