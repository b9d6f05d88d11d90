import { Inject, Injectable } from '@nestjs/common';
import type { FlowlineEvent } from '@flowline/contracts';
import { buildFlowIndex, FlowIndex, FlowMatch } from '@flowline/matching';
import { ConfigCatalog, ConfigSnapshot, Infrastructure } from '@flowline/runtime';

/** Matches an event against the flows of its tenant. */
export interface FlowMatcher {
  match(event: FlowlineEvent): FlowMatch;
}

const NO_FLOWS = new FlowIndex([]);

/**
 * The flows in force with their tenants' tag assignments, one index per tenant. A tenant's index is
 * rebuilt (flows parsed, assignments indexed) when its configuration changes, never per event.
 */
@Injectable()
export class FlowCatalog extends ConfigCatalog<FlowIndex> {
  private matcher: FlowMatcher = NO_FLOWS;

  constructor(
    @Inject(ConfigSnapshot) snapshot: ConfigSnapshot,
    @Inject(Infrastructure) infrastructure: Infrastructure,
  ) {
    super(snapshot, infrastructure.logger.child({ component: 'flow-catalog' }), buildFlowIndex);
  }

  /** The flows as of now; a chunk keeps the one it took. */
  index(): FlowMatcher {
    return this.matcher;
  }

  protected override viewsChanged(): void {
    const byTenant = this.views();
    this.matcher = { match: (event) => (byTenant.get(event.tenant) ?? NO_FLOWS).match(event) };
  }
}
