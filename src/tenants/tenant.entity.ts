import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** A customer organisation (a hospital, a bank). Every other record belongs to exactly one. */
@Entity('tenants')
@Unique('tenants_slug_key', ['slug'])
@Check('tenants_slug_check', `"slug" ~ '^[a-z0-9][a-z0-9-]{1,62}$'`)
@Check('tenants_name_check', `char_length("name") BETWEEN 1 AND 200`)
export class TenantEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Short, unique, typed at portal sign-in to say which organisation a person belongs to. */
  @Column({ type: 'text' })
  slug!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'is_demo', type: 'boolean', default: false })
  isDemo!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
