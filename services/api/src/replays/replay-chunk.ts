import { decodeEvent, messageKey } from '@flowline/contracts';
import type { ConsumedRecord, OutgoingMessage } from '@flowline/kafka';
import { evaluateFlow, flowAction, RunnableFlow, TagIndex } from '@flowline/matching';

/** What a replay reads: one tenant's events stamped in [from, to), or only one of them. */
export interface ReplayScope {
  tenant: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  eventId: string | null;
}

/**
 * One chunk of the event log replayed through one flow (pure): the tenant's events of the period
 * it read, and the actions the flow takes for them, with the ids a live run gives them.
 */
export function replayChunk(
  records: ConsumedRecord[],
  scope: ReplayScope,
  flow: RunnableFlow,
  tags: TagIndex,
  actionsTopic: string,
): { eventsRead: number; actions: OutgoingMessage[] } {
  let eventsRead = 0;
  const actions: OutgoingMessage[] = [];
  for (const record of records) {
    if (record.timestamp < scope.from || record.timestamp >= scope.to) continue;
    const decoded = decodeEvent(record.value);
    // Only this tenant's events count, and are shown in the progress.
    if (!decoded.ok || decoded.value.tenant !== scope.tenant) continue;
    eventsRead += 1;
    const event = decoded.value;
    if (scope.eventId !== null && event.id !== scope.eventId) continue;
    if (evaluateFlow(flow, event, tags) !== undefined) continue;
    actions.push({
      topic: actionsTopic,
      key: messageKey(event.tenant, event.subject),
      value: flowAction(flow, event),
      type: 'action',
    });
  }
  return { eventsRead, actions };
}
