import type { DataSource } from 'typeorm';
import { SequenceEntity, SequenceEventEntity } from '../entities';
import { TenantRowsRepository } from './tenant-rows.repository';

/** Which completed sequences to read; each criterion left out matches every one. */
export interface CompletionsFilter {
  sequenceId?: string;
  lead?: string;
  limit: number;
}

/** The tenants' sequence triggers (docs/CONTRACT.md §7) and the sequences their leads completed. */
export class SequencesRepository extends TenantRowsRepository<SequenceEntity> {
  constructor(dataSource: DataSource) {
    super(dataSource, SequenceEntity);
  }

  /**
   * Saves a changed trigger; with `dropPartialProgress` (what a match is changed: types, order,
   * window) its leads' partial progress goes in the same transaction. Leads whose sequence fired
   * keep their state: "once per lead" holds across edits. Bounded as `save` is.
   */
  saveDefinition(row: SequenceEntity, options: { dropPartialProgress: boolean }): Promise<SequenceEntity> {
    return this.withinQuota(row.tenantId, async (manager) => {
      const saved = await manager.save(row);
      if (options.dropPartialProgress)
        await manager.query(`DELETE FROM sequence_state WHERE sequence_id = $1 AND NOT (state ? 'firedAt')`, [row.id]);
      return saved;
    });
  }

  /** The tenant's completed sequences, newest first. */
  completions(tenant: string, filter: CompletionsFilter): Promise<SequenceEventEntity[]> {
    return this.dataSource.getRepository(SequenceEventEntity).find({
      where: {
        tenantId: tenant,
        ...(filter.sequenceId !== undefined ? { sequenceId: filter.sequenceId } : {}),
        ...(filter.lead !== undefined ? { lead: filter.lead } : {}),
      },
      order: { completedAt: 'DESC' },
      take: filter.limit,
    });
  }
}
