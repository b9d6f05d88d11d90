import { actionId, ActionV1, FlowlineEvent } from '@flowline/contracts';
import type { RunnableFlow } from './flow-definition';

/**
 * The action a flow takes for an event: the same id, and so the same `webhook-id` downstream,
 * whether the event is evaluated live or replayed (docs/CONTRACT.md §6).
 */
export function flowAction(flow: RunnableFlow, event: FlowlineEvent): ActionV1 {
  return {
    v: 1,
    id: actionId(event.tenant, event.id, `flow:${flow.id}`),
    tenant: event.tenant,
    subject: event.subject,
    kind: 'flow',
    flowId: flow.id,
    flowName: flow.name,
    event,
    destination: flow.destination,
  };
}
