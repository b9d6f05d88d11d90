import type { DestinationRef } from '@flowline/contracts';

/** A flow as the matcher sees it (CONTRACT §6); plain data, loaded from the flows table. */
export interface FlowDefinition {
  id: string;
  tenant: string;
  name: string;
  live: boolean;
  active: boolean;
  /** Event types the flow watches, presets already expanded. */
  types: string[];
  destination: DestinationRef | null;
}

/** Why an evaluated event triggered no action (CONTRACT §6), the label of the metric. */
export type NotTriggeredReason = 'inactive' | 'mode' | 'source' | 'untagged_status' | 'activation' | 'filter';
