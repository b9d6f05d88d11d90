import { Inject, Injectable } from '@nestjs/common';
import { SequenceEntity } from '@flowline/db';
import { SequenceDefinition, sequenceFromRow } from '@flowline/matching';
import { ConfigCatalog, Infrastructure } from '@flowline/runtime';

export interface CatalogedSequence {
  definition: SequenceDefinition;
  row: SequenceEntity;
}

/** Active sequence triggers by tenant and event type: an event costs the triggers that watch it. */
export class SequenceIndex {
  private readonly byTenantType = new Map<string, Map<string, CatalogedSequence[]>>();
  private readonly byId = new Map<string, CatalogedSequence>();

  constructor(rows: SequenceEntity[]) {
    for (const row of rows) {
      const entry = { definition: sequenceFromRow(row), row };
      this.byId.set(row.id, entry);
      if (!row.active) continue;
      const byType = this.byTenantType.get(row.tenantId) ?? new Map<string, CatalogedSequence[]>();
      for (const type of new Set(row.eventTypes)) byType.set(type, [...(byType.get(type) ?? []), entry]);
      this.byTenantType.set(row.tenantId, byType);
    }
  }

  watching(tenant: string, type: string): CatalogedSequence[] {
    return this.byTenantType.get(tenant)?.get(type) ?? [];
  }

  get(id: string): CatalogedSequence | undefined {
    return this.byId.get(id);
  }
}

@Injectable()
export class SequenceCatalog extends ConfigCatalog<SequenceIndex> {
  constructor(@Inject(Infrastructure) infrastructure: Infrastructure) {
    super(infrastructure, 'sequence-catalog', new SequenceIndex([]), (rows) => new SequenceIndex(rows.sequences));
  }

  index(): SequenceIndex {
    return this.current();
  }
}
