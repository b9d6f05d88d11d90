import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'connections' })
@Index(['tenantId'])
export class ConnectionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'text', default: 'POST' })
  method!: 'POST' | 'GET';

  @Column({ name: 'content_type', type: 'text', default: 'application/json' })
  contentType!: string;

  /** Static custom headers, e.g. X-Company-ID. */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  headers!: Record<string, string>;

  /** Authentication settings; secrets inside are encrypted at rest (control-plane issue). */
  @Column({ type: 'jsonb', default: () => `'{"type":"none"}'::jsonb` })
  auth!: Record<string, unknown>;

  /** Standard Webhooks signing secret, sealed (`SecretBox`); null when requests are not signed. */
  @Column({ name: 'signing_secret', type: 'text', nullable: true })
  signingSecret!: string | null;

  /** Delivery policy: timeout_ms, max_retries, retry_schedule_s, rate_limit_per_s, ordering... */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  policy!: Record<string, unknown>;

  /** Set when a receiver answered 410 Gone: deliveries are held until an operator resumes it. */
  @Column({ name: 'paused_at', type: 'timestamptz', nullable: true })
  pausedAt!: Date | null;

  @Column({ name: 'paused_reason', type: 'text', nullable: true })
  pausedReason!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
