import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Event ids seen by ingest within the dedupe horizon (docs/CONTRACT.md §2). */
@Entity({ name: 'processed_events' })
@Index(['seenAt'])
export class ProcessedEventEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'seen_at', type: 'timestamptz' })
  seenAt!: Date;
}
