import { parseEventTime } from './event-time';
import type {
  LeadSequenceState,
  SequenceDefinition,
  SequenceMatchOptions,
  SimulatedEvent,
  SimulationResult,
} from './sequence-definition';
import { stepSequence } from './sequence-matcher';

/**
 * `POST /sequences/{id}/simulate`: would these events of one lead complete the sequence? The
 * same matcher as live traffic (`stepSequence`), with two decisions of its own:
 * - the events are stepped in event-time order (a stable sort on `created_at`; the request's
 *   order breaks ties), as if they had arrived without delay: the answer does not depend on how
 *   the client listed them, and lateness never applies;
 * - the definition is evaluated as if active, so a sequence can be tried before it is switched on.
 * Ids default to `evt-<n>`, n the event's 1-based position in the request. Events with an invalid
 * `created_at` are not used. The reported events are exactly what the webhook would carry.
 */
export function simulateSequence(
  sequence: SequenceDefinition,
  events: readonly SimulatedEvent[],
  options?: SequenceMatchOptions,
): SimulationResult {
  const definition: SequenceDefinition = { ...sequence, active: true };
  const listed = Array.isArray(events) ? events : [];
  const ordered = listed
    .map((event: Partial<SimulatedEvent> | null | undefined, index) => {
      const given = typeof event === 'object' && event !== null ? event : {};
      return {
        id: typeof given.id === 'string' ? given.id : `evt-${index + 1}`,
        type: given.event_type as string,
        time: given.created_at as string,
        sortAt: parseEventTime(given.created_at) ?? Number.POSITIVE_INFINITY,
      };
    })
    .sort((a, b) => (a.sortAt === b.sortAt ? 0 : a.sortAt < b.sortAt ? -1 : 1));

  let state: LeadSequenceState | undefined;
  for (const { id, type, time } of ordered) {
    const result = stepSequence(definition, state, { id, type, time }, options);
    if (result.kind === 'fired') {
      return {
        matched: true,
        events: result.events.map((event) => ({ id: event.id, event_type: event.type, created_at: event.time })),
      };
    }
    state = result.state;
  }
  return { matched: false, events: [] };
}
