import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A completed sequence: which lead, which events completed it, and whether its action is out. */
@Entity({ name: 'sequence_events' })
export class SequenceEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ name: 'sequence_id', type: 'uuid' })
  sequenceId!: string;

  @Column({ type: 'text' })
  lead!: string;

  @Column({ type: 'jsonb' })
  events!: Array<{ id: string; event_type: string; created_at: string }>;

  @Column({ name: 'completed_at', type: 'timestamptz' })
  completedAt!: Date;

  @Column({ type: 'boolean', default: false })
  produced!: boolean;
}
