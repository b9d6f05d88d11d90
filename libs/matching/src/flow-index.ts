import type { FlowlineEvent } from '@flowline/contracts';
import { FlowDefinition, NotTriggeredReason } from './flow-definition';

export interface FlowMatch {
  matched: FlowDefinition[];
  /** Set when nothing matched: the most specific reason among the tenant's flows. */
  notTriggered?: NotTriggeredReason;
}

/** Order of specificity: a flow that failed later in evaluation explains more. */
const REASON_RANK: Record<NotTriggeredReason, number> = {
  source: 0,
  inactive: 1,
  mode: 2,
  untagged_status: 3,
  activation: 4,
  filter: 5,
};

/**
 * Flows indexed by tenant and event type, so evaluating an event costs the flows that watch
 * its type, not every flow of every tenant (issue 3: cost must not grow with flows that
 * cannot match).
 */
export class FlowIndex {
  private readonly byTenantType = new Map<string, Map<string, FlowDefinition[]>>();

  constructor(flows: FlowDefinition[]) {
    for (const flow of flows) {
      const byType = this.byTenantType.get(flow.tenant) ?? new Map<string, FlowDefinition[]>();
      for (const type of new Set(flow.types)) {
        const list = byType.get(type) ?? [];
        list.push(flow);
        byType.set(type, list);
      }
      this.byTenantType.set(flow.tenant, byType);
    }
  }

  match(event: FlowlineEvent): FlowMatch {
    const candidates = this.byTenantType.get(event.tenant)?.get(event.type) ?? [];
    const matched: FlowDefinition[] = [];
    let reason: NotTriggeredReason = 'source';
    for (const flow of candidates) {
      const failure = evaluate(flow, event);
      if (failure === undefined) matched.push(flow);
      else if (REASON_RANK[failure] > REASON_RANK[reason]) reason = failure;
    }
    return matched.length > 0 ? { matched } : { matched, notTriggered: reason };
  }
}

/** Why this flow does not take this event, or undefined when it does. */
function evaluate(flow: FlowDefinition, event: FlowlineEvent): NotTriggeredReason | undefined {
  if (!flow.active || flow.destination === null) return 'inactive';
  // A live flow takes only real events; a test flow only test events (CONTRACT §6).
  if (flow.live === event.test) return 'mode';
  return undefined;
}
