import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'flows' })
@Index(['tenantId'])
export class FlowEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'boolean', default: true })
  live!: boolean;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  /** `{types: [..]}` or `{preset: ..}` (docs/CONTRACT.md §6). */
  @Column({ type: 'jsonb' })
  source!: Record<string, unknown>;

  @Column({ name: 'activate_for', type: 'jsonb', default: () => "'{}'::jsonb" })
  activateFor!: Record<string, unknown>;

  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  filters!: unknown[];

  @Column({ name: 'connection_id', type: 'uuid', nullable: true })
  connectionId!: string | null;

  @Column({ name: 'payload_mapping_id', type: 'uuid', nullable: true })
  payloadMappingId!: string | null;

  @Column({ name: 'header_mapping_id', type: 'uuid', nullable: true })
  headerMappingId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
