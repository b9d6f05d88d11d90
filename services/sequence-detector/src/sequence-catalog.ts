import { Inject, Injectable } from '@nestjs/common';
import { SequenceEntity } from '@flowline/db';
import { SequenceDefinition, sequenceFromRow } from '@flowline/matching';
import { ConfigCatalog, ConfigSnapshot, Infrastructure } from '@flowline/runtime';

export interface CatalogedSequence {
  definition: SequenceDefinition;
  row: SequenceEntity;
}

/** One tenant's sequence triggers: the active ones by event type, every one by id. */
export class TenantSequences {
  readonly byType = new Map<string, CatalogedSequence[]>();
  readonly byId = new Map<string, CatalogedSequence>();

  constructor(rows: readonly SequenceEntity[]) {
    for (const row of rows) {
      const entry = { definition: sequenceFromRow(row), row };
      this.byId.set(row.id, entry);
      if (!row.active) continue;
      for (const type of new Set(row.eventTypes)) this.byType.set(type, [...(this.byType.get(type) ?? []), entry]);
    }
  }
}

/** Active sequence triggers by tenant and event type: an event costs the triggers that watch it. */
export class SequenceIndex {
  constructor(
    private readonly byTenant: ReadonlyMap<string, TenantSequences>,
    /** Which tenant owns each sequence id. */
    private readonly tenantOf: ReadonlyMap<string, string>,
  ) {}

  watching(tenant: string, type: string): CatalogedSequence[] {
    return this.byTenant.get(tenant)?.byType.get(type) ?? [];
  }

  /** Whether any active trigger of the tenant watches any event type. */
  watchesAny(tenant: string): boolean {
    return (this.byTenant.get(tenant)?.byType.size ?? 0) > 0;
  }

  get(id: string): CatalogedSequence | undefined {
    const tenant = this.tenantOf.get(id);
    return tenant === undefined ? undefined : this.byTenant.get(tenant)?.byId.get(id);
  }
}

@Injectable()
export class SequenceCatalog extends ConfigCatalog<TenantSequences> {
  /**
   * Which tenant owns each sequence id ever seen: an id never changes tenant, and one no longer in
   * its tenant's view answers undefined there. Only grows, so an index taken earlier stays whole.
   */
  private readonly tenantOf = new Map<string, string>();
  private current = new SequenceIndex(new Map(), new Map());

  constructor(
    @Inject(ConfigSnapshot) snapshot: ConfigSnapshot,
    @Inject(Infrastructure) infrastructure: Infrastructure,
  ) {
    super(
      snapshot,
      infrastructure.logger.child({ component: 'sequence-catalog' }),
      (tables) => new TenantSequences(tables.sequences),
    );
  }

  /** The triggers as of now; a chunk keeps the one it took. */
  index(): SequenceIndex {
    return this.current;
  }

  protected override viewsChanged(changed: ReadonlyMap<string, TenantSequences | undefined>): void {
    for (const [tenant, sequences] of changed)
      for (const id of sequences?.byId.keys() ?? []) this.tenantOf.set(id, tenant);
    this.current = new SequenceIndex(this.views(), this.tenantOf);
  }
}
