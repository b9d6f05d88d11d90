/**
 * The classes of records retention removes (docs/CONTRACT.md §15, decision 0021), in the order a pass
 * takes them: whole deliveries first, so the later classes have less left to clear.
 */
export const RETENTION_CLASSES = [
  'deliveries',
  'delivery_records',
  'response_excerpts',
  'sequence_events',
  'sequence_state',
  'replays',
  'insights',
  'dedupe_entries',
  'idle_gates',
] as const;
export type RetentionClass = (typeof RETENTION_CLASSES)[number];

/** The configuration retention reads (a subset of `FlowlineConfig`). */
export interface RetentionSettings {
  FLOWLINE_RETENTION_DELIVERIES_S: number;
  FLOWLINE_RETENTION_DELIVERY_RECORDS_S: number;
  FLOWLINE_RETENTION_RESPONSE_EXCERPTS_S: number;
  FLOWLINE_RETENTION_SEQUENCE_EVENTS_S: number;
  FLOWLINE_RETENTION_REPLAYS_S: number;
  FLOWLINE_RETENTION_INSIGHTS_S: number;
  FLOWLINE_DEDUPE_HORIZON_S: number;
}

/**
 * How long a connection's gate (decision 0022) stays after its last grant. Its token bucket is
 * full again within seconds of the last grant (rates are at least one per second), so a gate
 * idle this long is exactly the gate a new request would create; keys include each URL a tenant
 * delivers to without a connection, so without this the table grows with every URL ever used.
 */
export const IDLE_GATE_HORIZON_S = 3_600;

/** Each class's horizon in seconds; 0 keeps the class forever. */
export function retentionHorizons(settings: RetentionSettings): Record<RetentionClass, number> {
  return {
    deliveries: settings.FLOWLINE_RETENTION_DELIVERIES_S,
    delivery_records: settings.FLOWLINE_RETENTION_DELIVERY_RECORDS_S,
    response_excerpts: settings.FLOWLINE_RETENTION_RESPONSE_EXCERPTS_S,
    sequence_events: settings.FLOWLINE_RETENTION_SEQUENCE_EVENTS_S,
    // Sequence state (fired latches, stale progress) goes with the completions it guards.
    sequence_state: settings.FLOWLINE_RETENTION_SEQUENCE_EVENTS_S,
    replays: settings.FLOWLINE_RETENTION_REPLAYS_S,
    insights: settings.FLOWLINE_RETENTION_INSIGHTS_S,
    dedupe_entries: settings.FLOWLINE_DEDUPE_HORIZON_S,
    idle_gates: IDLE_GATE_HORIZON_S,
  };
}

/** What is older than its cutoff goes; a class kept forever has none. */
export function retentionCutoffs(
  horizons: Record<RetentionClass, number>,
  now: Date,
): Partial<Record<RetentionClass, Date>> {
  const cutoffs: Partial<Record<RetentionClass, Date>> = {};
  for (const name of RETENTION_CLASSES) {
    const horizon = horizons[name];
    if (horizon > 0) cutoffs[name] = new Date(now.getTime() - horizon * 1000);
  }
  return cutoffs;
}
