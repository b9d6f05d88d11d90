import type { FlowDefinition, RunnableFlow } from './flow-definition';
import { requiredActivation, sourceTypes } from './flow-source';

export interface FlowCompleteness {
  complete: boolean;
  /**
   * What the flow lacks, as paths of the flow's API shape (docs/CONTRACT.md §6), in a stable order:
   * `source`, `activate_for.<object>` for each activation its watched types require,
   * `destination.connection_id`, `destination.payload_mapping_id`, then each part of the stored
   * configuration that could not be understood (`filters[0].op`...).
   */
  missing: string[];
}

/**
 * Whether a flow is complete (docs/CONTRACT.md §6): it watches at least one event type, activates for the
 * status tags its watched types require (see `requiredActivation`), has a connection and a payload
 * mapping, and holds nothing Flowline cannot understand. The header mapping is optional. A name is
 * not part of completeness: the API requires one when the flow is written.
 */
export function flowCompleteness(flow: FlowDefinition): FlowCompleteness {
  const missing: string[] = [];
  const types = sourceTypes(flow.source);
  if (types.length === 0) missing.push('source');
  for (const object of requiredActivation(types)) {
    const tags = flow.activateFor[object] ?? [];
    if (!tags.some((tag) => tag.trim() !== '')) missing.push(`activate_for.${object}`);
  }
  if (!flow.destination.connectionId) missing.push('destination.connection_id');
  if (!flow.destination.payloadMappingId) missing.push('destination.payload_mapping_id');
  missing.push(...(flow.invalid ?? []));
  return { complete: missing.length === 0, missing };
}

/** Only active, complete flows run (docs/CONTRACT.md §6). */
export function isRunnable(flow: FlowDefinition): flow is RunnableFlow {
  return flow.active && flowCompleteness(flow).complete;
}
