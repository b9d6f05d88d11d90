import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A sequence trigger (docs/CONTRACT.md §7, LeadVibe's Sequence Triggers API). */
@Entity({ name: 'sequences' })
@Index(['tenantId'])
export class SequenceEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'event_types', type: 'text', array: true })
  eventTypes!: string[];

  @Column({ name: 'window_seconds', type: 'integer' })
  windowSeconds!: number;

  @Column({ name: 'window_unit', type: 'text', nullable: true })
  windowUnit!: string | null;

  @Column({ type: 'boolean', default: false })
  ordered!: boolean;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Column({ name: 'webhook_url', type: 'text', nullable: true })
  webhookUrl!: string | null;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  emails!: string[];

  @Column({ name: 'email_subject', type: 'text', nullable: true })
  emailSubject!: string | null;

  @Column({ name: 'email_preheader', type: 'text', nullable: true })
  emailPreheader!: string | null;

  @Column({ name: 'email_message', type: 'text', nullable: true })
  emailMessage!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
