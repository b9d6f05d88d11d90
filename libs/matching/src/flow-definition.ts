import type { DestinationRef } from '@flowline/contracts';

/** The objects a flow can activate for (docs/CONTRACT.md §6 `activate_for`), in evaluation order. */
export const ACTIVATION_OBJECTS = [
  'registration_status',
  'session_registration_status',
  'event_status',
  'registration_property',
] as const;
export type ActivationObject = (typeof ACTIVATION_OBJECTS)[number];

/** The activation objects whose value is a status: an untagged value is reported as `untagged_status`. */
export const STATUS_OBJECTS: ReadonlySet<ActivationObject> = new Set([
  'registration_status',
  'session_registration_status',
  'event_status',
]);

/** Tag names per activation object; an absent or empty list puts no condition on that object. */
export type ActivateFor = Partial<Record<ActivationObject, string[]>>;

export const FILTER_TARGETS = ['event', 'profile', 'attendee_type'] as const;
export type FilterTarget = (typeof FILTER_TARGETS)[number];

export const FILTER_OPERATORS = ['eq', 'neq', 'in', 'nin', 'exists', 'contains'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/**
 * A filter's value is a text, number or boolean, or (for `in` and `nin`) a list of them: at most
 * this many options, each text at most `MAX_FILTER_TEXT` characters. A flow is evaluated for every
 * event of its tenant, so its size is work on a partition other tenants share.
 */
export const MAX_FILTER_OPTIONS = 1_000;
export const MAX_FILTER_TEXT = 1_000;

/** One filter rule (docs/CONTRACT.md §6); a flow takes an event only if every rule holds. */
export interface FlowFilter {
  on: FilterTarget;
  field: string;
  op: FilterOperator;
  value?: unknown;
}

/** What a flow watches: explicit event types, or one preset (a known preset name, or any event type). */
export type FlowSource = { types: string[] } | { preset: string } | null;

/** A flow as the matcher sees it (docs/CONTRACT.md §6): plain data, parsed from a flows row by `parseFlow`. */
export interface FlowDefinition {
  id: string;
  tenant: string;
  name: string;
  live: boolean;
  active: boolean;
  source: FlowSource;
  activateFor: ActivateFor;
  filters: FlowFilter[];
  /** Partial while the flow is being set up; complete flows have a connection and a payload mapping. */
  destination: Partial<DestinationRef>;
  /**
   * Parts of the stored configuration that could not be understood (`filters[1].op`...). They are
   * never guessed at, since dropping a filter would widen the flow: the flow is incomplete until fixed.
   */
  invalid?: string[];
}

/** A flow that may run: complete, so its destination is whole. */
export interface RunnableFlow extends FlowDefinition {
  destination: DestinationRef;
}

/** Why an evaluated event triggered no action (docs/CONTRACT.md §6), the label of the metric. */
export type NotTriggeredReason = 'inactive' | 'mode' | 'source' | 'untagged_status' | 'activation' | 'filter';
