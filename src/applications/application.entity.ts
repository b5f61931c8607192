import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { TenantEntity } from 'src/tenants/tenant.entity';

/** An enterprise app that calls the audit API with its own API keys. */
@Entity('applications')
@Unique('applications_tenant_name_key', ['tenantId', 'name'])
@Unique('applications_tenant_id_key', ['tenantId', 'id'])
@Check('applications_name_check', `char_length("name") BETWEEN 1 AND 120`)
export class ApplicationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'applications_tenant_fk' })
  tenant?: TenantEntity;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** A disabled application's keys all stop working. */
  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;
}
