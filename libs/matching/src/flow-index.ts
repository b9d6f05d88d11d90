import type { FlowlineEvent } from '@flowline/contracts';
import { EventFacts } from './event-facts';
import { testFilter } from './filter-operators';
import { isRunnable } from './flow-completeness';
import {
  ACTIVATION_OBJECTS,
  type ActivationObject,
  type FlowDefinition,
  type FlowFilter,
  type NotTriggeredReason,
  type RunnableFlow,
  STATUS_OBJECTS,
} from './flow-definition';
import { sourceTypes } from './flow-source';
import { normalizeText } from './normalize-text';
import { parseFlow, type FlowRecord } from './parse-flow';
import { type TagAssignmentRecord, TagIndex } from './tag-index';

export interface FlowMatch {
  /** The flows that take the event, ordered by flow id: one action each. */
  matched: RunnableFlow[];
  /** Set when nothing matched: the most specific reason among the tenant's flows watching the type. */
  notTriggered?: NotTriggeredReason;
  /** How many flows were looked at: those of the event's tenant that watch its type, no others. */
  examined: number;
}

/**
 * Order of specificity: a flow that failed later in evaluation explains more. Each flow is checked
 * in this order: inactive or incomplete, then live/test mode, then activation (an untagged status
 * before tags that are not listed), then filters. When several flows watch the type, the reason of
 * the flow that came closest to running is reported: "the filter rejected it" says more than "another
 * flow is switched off", and `source` is left only when no flow of the tenant watches the type.
 */
const REASON_RANK: Record<NotTriggeredReason, number> = {
  source: 0,
  inactive: 1,
  mode: 2,
  untagged_status: 3,
  activation: 4,
  filter: 5,
};

/** A flow prepared once per configuration snapshot: runnability decided, tag lists normalised. */
interface CompiledFlow {
  flow: FlowDefinition;
  /** The flow itself when active and complete; undefined when it may not run. */
  runnable: RunnableFlow | undefined;
  activation: Array<{ object: ActivationObject; tags: ReadonlySet<string> }>;
}

/** The configuration rows matching needs (ConfigRows fits). */
export interface MatchingConfig {
  flows: readonly FlowRecord[];
  tagAssignments: readonly TagAssignmentRecord[];
}

/** The index of one configuration snapshot: every flow parsed, every assignment indexed, once. */
export function buildFlowIndex(config: MatchingConfig): FlowIndex {
  return new FlowIndex(config.flows.map(parseFlow), new TagIndex(config.tagAssignments));
}

/**
 * Flows indexed by tenant and event type, with the tenant's tag assignments, so evaluating an event
 * costs the flows that watch its type and one map lookup per tagged value it asks about, not every
 * flow or assignment of every tenant.
 */
export class FlowIndex {
  private readonly byTenantType = new Map<string, Map<string, CompiledFlow[]>>();

  constructor(
    flows: Iterable<FlowDefinition>,
    private readonly tags: TagIndex = TagIndex.EMPTY,
  ) {
    for (const flow of flows) {
      const compiled = compile(flow);
      const byType = this.byTenantType.get(flow.tenant) ?? new Map<string, CompiledFlow[]>();
      for (const type of sourceTypes(flow.source)) {
        const list = byType.get(type) ?? [];
        list.push(compiled);
        byType.set(type, list);
      }
      this.byTenantType.set(flow.tenant, byType);
    }
    for (const byType of this.byTenantType.values()) {
      for (const list of byType.values()) list.sort((a, b) => compareText(a.flow.id, b.flow.id));
    }
  }

  match(event: FlowlineEvent): FlowMatch {
    const candidates = this.byTenantType.get(event.tenant)?.get(event.type) ?? [];
    const facts = new EventFacts(event, this.tags);
    const matched: RunnableFlow[] = [];
    let reason: NotTriggeredReason = 'source';
    for (const candidate of candidates) {
      const failure = evaluate(candidate, event, facts);
      if (failure === undefined && candidate.runnable) matched.push(candidate.runnable);
      else if (failure !== undefined && REASON_RANK[failure] > REASON_RANK[reason]) reason = failure;
    }
    return matched.length > 0
      ? { matched, examined: candidates.length }
      : { matched, notTriggered: reason, examined: candidates.length };
  }
}

/**
 * Why one flow does not take one event, or undefined when it does; `source` when the flow does not
 * watch the event's type. For single-flow callers (replay, previews); FlowIndex does the same per
 * candidate.
 */
export function evaluateFlow(
  flow: FlowDefinition,
  event: FlowlineEvent,
  tags: TagIndex = TagIndex.EMPTY,
): NotTriggeredReason | undefined {
  if (flow.tenant !== event.tenant || !sourceTypes(flow.source).includes(event.type)) return 'source';
  return evaluate(compile(flow), event, new EventFacts(event, tags));
}

function compile(flow: FlowDefinition): CompiledFlow {
  const activation: CompiledFlow['activation'] = [];
  for (const object of ACTIVATION_OBJECTS) {
    const tags = new Set((flow.activateFor[object] ?? []).filter((tag) => tag.trim() !== '').map(normalizeText));
    if (tags.size > 0) activation.push({ object, tags });
  }
  return { flow, runnable: isRunnable(flow) ? flow : undefined, activation };
}

function evaluate(compiled: CompiledFlow, event: FlowlineEvent, facts: EventFacts): NotTriggeredReason | undefined {
  // An incomplete flow does not run however it is toggled (docs/CONTRACT.md §6); it counts as inactive.
  if (!compiled.runnable) return 'inactive';
  // A live flow takes only real events; a test flow only test events (docs/CONTRACT.md §6).
  if (compiled.flow.live === (event.test === true)) return 'mode';
  const activation = activationFailure(compiled, facts);
  if (activation) return activation;
  if (!compiled.flow.filters.every((filter) => passes(filter, facts))) return 'filter';
  return undefined;
}

/**
 * Every object the flow lists must be satisfied (objects combine with AND, the tags listed for one
 * object with OR): the event's value of that object carries at least one listed tag. When a listed
 * status object fails because the event's status has a value but no tag at all, the flow reports
 * `untagged_status` (the fix is to tag the status, Certain's troubleshooting case); any other failure,
 * including a missing status or untagged properties, is `activation`.
 */
function activationFailure(compiled: CompiledFlow, facts: EventFacts): NotTriggeredReason | undefined {
  let failure: NotTriggeredReason | undefined;
  for (const { object, tags } of compiled.activation) {
    const { hasValue, tags: present } = facts.activationFacts(object);
    if (present.size === 0 && hasValue && STATUS_OBJECTS.has(object)) return 'untagged_status';
    if (![...present].some((tag) => tags.has(tag))) failure = 'activation';
  }
  return failure;
}

function passes(filter: FlowFilter, facts: EventFacts): boolean {
  return testFilter(filter.op, facts.filterValue(filter.on, filter.field), filter.value);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
