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
import { ApplicationEntity } from 'src/applications/application.entity';
import { SCOPES, Scope } from 'src/access/scopes';

/**
 * An application's credential. Only the SHA-256 of the key is kept (keys are 256-bit random, so
 * a slow hash adds nothing); the prefix is public and identifies the key in lists and logs.
 */
@Entity('api_keys')
@Unique('api_keys_prefix_key', ['prefix'])
@Check('api_keys_prefix_check', `"prefix" ~ '^[a-z0-9]{12}$'`)
@Check('api_keys_hash_check', `octet_length("key_hash") = 32`)
@Check(
  'api_keys_scopes_check',
  `cardinality("scopes") > 0 AND "scopes" <@ ARRAY[${SCOPES.map((s) => `'${s}'`).join(', ')}]::text[]`,
)
@Index('api_keys_application_idx', ['tenantId', 'applicationId'])
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId!: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'api_keys_application_fk',
    },
    {
      name: 'application_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'api_keys_application_fk',
    },
  ])
  application?: ApplicationEntity;

  @Column({ type: 'text' })
  prefix!: string;

  @Column({ name: 'key_hash', type: 'bytea' })
  keyHash!: Buffer;

  @Column({ type: 'text', array: true })
  scopes!: Scope[];

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_by', type: 'uuid', nullable: true })
  revokedBy!: string | null;
}
