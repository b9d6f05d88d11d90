import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { DeliveryStatus } from '../delivery-store/delivery-status';

/** One delivery (one `webhook-id`) and where it stands; its attempts are in `delivery_attempts`. */
@Entity({ name: 'deliveries' })
@Index(['tenantId', 'createdAt'])
@Index(['tenantId', 'subject'])
export class DeliveryEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ name: 'connection_id', type: 'uuid', nullable: true })
  connectionId!: string | null;

  @Column({ name: 'flow_id', type: 'uuid', nullable: true })
  flowId!: string | null;

  @Column({ name: 'sequence_id', type: 'text', nullable: true })
  sequenceId!: string | null;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: string;

  @Column({ type: 'text' })
  status!: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode!: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  /** `webhook` or `email`: the retry queue's integration filter. */
  @Column({ type: 'text', default: 'webhook' })
  channel!: 'webhook' | 'email';

  /**
   * The ordering lane (tenant, destination, subject) when the destination keeps per-subject
   * order; null with `ordering: none`. One lane's deliveries arrive in event order.
   */
  @Column({ type: 'text', nullable: true })
  lane!: string | null;

  /** Position in its lane while held: lower is earlier. */
  @Column({ name: 'lane_seq', type: 'bigint', nullable: true })
  laneSeq!: string | null;

  /** The delivery record (`DeliveryV1` bytes), kept while queued: for retries, release and resubmit. */
  @Column({ type: 'bytea', nullable: true, select: false })
  message!: Buffer | null;

  /** Category of the last failure (general, system, config, connection, validation). */
  @Column({ type: 'text', nullable: true })
  category!: string | null;

  /** `topic/partition/offset` of the delivery record as first consumed: the DLQ's origin headers. */
  @Column({ type: 'text', nullable: true })
  origin!: string | null;

  /** Retries scheduled so far; a retry record is current only while it matches. */
  @Column({ name: 'retry_count', type: 'integer', default: 0 })
  retryCount!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  /** When it first joined the retry queue (failed, retried or held); null if it never did. */
  @Column({ name: 'queued_at', type: 'timestamptz', nullable: true })
  queuedAt!: Date | null;
}
