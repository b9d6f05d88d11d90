import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FAILURE_CATEGORIES, RETRY_TIERS, type FailureCategory } from '@flowline/contracts';

/**
 * The values each labelled counter takes. Every one starts at 0, so the series exists before its
 * first increment and `rate()`/`increase()` see that increment (a series born at 1 shows none).
 */
export const COUNTER_LABEL_VALUES = {
  eventsIngested: ['accepted', 'duplicate', 'invalid'],
  actionsTriggered: ['flow', 'sequence'],
  // The flow matcher's NotTriggeredReason.
  actionsNotTriggered: ['inactive', 'mode', 'source', 'untagged_status', 'activation', 'filter'],
  deliveries: ['succeeded', 'failed', 'retrying', 'abandoned'],
  deliveriesHeld: ['lane', 'paused', 'deferred'],
  retries: Array.from({ length: RETRY_TIERS }, (_, index) => String(index + 1)),
  deadLetters: FAILURE_CATEGORIES,
  // The configuration snapshot's ReloadCause.
  configReloads: ['start', 'notify', 'poll', 'reconnect', 'refresh'],
} as const;

/**
 * Every Flowline metric (docs/CONTRACT.md §9), defined once. One instance per process: services composed
 * into one process share it, and each test cluster gets its own registry, so names never clash.
 * Labels take only bounded values: outcomes, reasons, kinds, tiers, categories, topics, groups.
 */
export class FlowlineMetrics {
  readonly registry = new Registry();

  readonly eventsIngested = new Counter({
    name: 'flowline_events_ingested_total',
    help: 'Records read from the ingest topics, by outcome (accepted, duplicate, invalid).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly changesProcessed = new Counter({
    name: 'flowline_changes_processed_total',
    help: 'Events evaluated against the flows of their tenant.',
    registers: [this.registry],
  });

  readonly actionsTriggered = new Counter({
    name: 'flowline_actions_triggered_total',
    help: 'Actions produced, by kind (flow, sequence).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly actionsNotTriggered = new Counter({
    name: 'flowline_actions_not_triggered_total',
    help: 'Evaluated events that triggered no action, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly deliveries = new Counter({
    name: 'flowline_deliveries_total',
    help: 'Finished delivery attempts, by outcome (succeeded, failed, retrying, abandoned).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly deliveriesHeld = new Counter({
    name: 'flowline_deliveries_held_total',
    help: 'Deliveries set aside unattempted, by reason: lane (behind an earlier delivery of the subject), paused (connection paused), deferred (connection at its rate or in-flight limit).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly deliveryAttemptDuration = new Histogram({
    name: 'flowline_delivery_attempt_duration_seconds',
    help: 'Duration of one delivery attempt, request sent to response read.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [this.registry],
  });

  readonly retries = new Counter({
    name: 'flowline_retries_total',
    help: 'Deliveries scheduled for a retry, by retry tier.',
    labelNames: ['tier'] as const,
    registers: [this.registry],
  });

  readonly deadLetters = new Counter({
    name: 'flowline_dead_letters_total',
    help: 'Records abandoned to the dead-letter topic, by category.',
    labelNames: ['category'] as const,
    registers: [this.registry],
  });

  readonly sequenceMatches = new Counter({
    name: 'flowline_sequence_matches_total',
    help: 'Sequences completed by a lead.',
    registers: [this.registry],
  });

  readonly sequencePartialMatches = new Gauge({
    name: 'flowline_sequence_partial_matches',
    help: 'Open partial sequence matches of the whole cluster, counted in PostgreSQL: every sequence-detector replica reports the same number, so aggregate with max, not sum.',
    registers: [this.registry],
  });

  readonly sequenceLateEvents = new Counter({
    name: 'flowline_sequence_late_events_total',
    help: 'Events that arrived later than the allowed lateness for a sequence: counted, not matched.',
    registers: [this.registry],
  });

  readonly sequenceEvaluationDuration = new Histogram({
    name: 'flowline_sequence_evaluation_duration_seconds',
    help: 'Time to evaluate one chunk of events against the sequence triggers, state written.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly endToEndLatency = new Histogram({
    name: 'flowline_end_to_end_latency_seconds',
    help: 'From an event accepted by ingest to its webhook delivered.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [this.registry],
  });

  readonly consumerLag = new Gauge({
    name: 'flowline_consumer_lag',
    help: 'Records not yet committed by the group: log end offset minus committed offset, over the partitions assigned to this process (a group’s lag is the sum over its replicas). Measured from the broker every 5 s, also while the consumer is stalled or not fetching. Retry tiers are in flowline_retry_lag.',
    labelNames: ['topic', 'group'] as const,
    registers: [this.registry],
  });

  readonly retryLag = new Gauge({
    name: 'flowline_retry_lag',
    help: 'Records of a retry tier not yet committed by the dispatcher, over the partitions assigned to this process: mostly retries waiting until they are due, by design, so apart from flowline_consumer_lag.',
    labelNames: ['topic', 'group'] as const,
    registers: [this.registry],
  });

  readonly connectionPaused = new Gauge({
    name: 'flowline_connection_paused',
    help: 'Connections paused (a 410 Gone, failing longer than pause_after_failing_s, or an operator), waiting for an operator to resume them (1 = paused).',
    // Tenant and connection ids are configuration, bounded by what tenants configure, not by traffic.
    labelNames: ['tenant', 'connection'] as const,
    registers: [this.registry],
  });

  readonly connectionPauses = new Counter({
    name: 'flowline_connection_pauses_total',
    help: 'Connections the dispatcher paused, by the rule that fired: gone (a 410 Gone), failing (every delivery failed with a retryable failure for longer than pause_after_failing_s).',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  readonly notifications = new Counter({
    name: 'flowline_notifications_total',
    help: 'Operational notices (connection.paused, connection.resumed, delivery.abandoned, replay.finished), by type and outcome: produced (to at least one notification endpoint), unsubscribed (the tenant has no endpoint for it), lost (could not be produced). Their sending is counted as deliveries.',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly batchDuration = new Histogram({
    name: 'flowline_batch_duration_seconds',
    help: 'Time to handle one consumed batch, outputs acknowledged, by consumer group.',
    labelNames: ['group'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly configReloads = new Counter({
    name: 'flowline_config_reloads_total',
    help: 'Tenants whose configuration this process read again and rebuilt, by cause: start, notify (a PostgreSQL notification of a write), poll (FLOWLINE_CONFIG_REFRESH_MS fallback), reconnect (full check after the listener reconnected), refresh (asked for: an unknown id).',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const counters = {
      eventsIngested: this.eventsIngested,
      actionsTriggered: this.actionsTriggered,
      actionsNotTriggered: this.actionsNotTriggered,
      deliveries: this.deliveries,
      deliveriesHeld: this.deliveriesHeld,
      retries: this.retries,
      deadLetters: this.deadLetters,
      configReloads: this.configReloads,
    } satisfies Record<keyof typeof COUNTER_LABEL_VALUES, Counter<string>>;
    for (const [name, counter] of Object.entries(counters))
      for (const value of COUNTER_LABEL_VALUES[name as keyof typeof COUNTER_LABEL_VALUES]) counter.labels(value).inc(0);
  }

  /** Counts records dead-lettered for one reason: the category is the contracts' one type. */
  deadLettered(category: FailureCategory, count = 1): void {
    this.deadLetters.labels(category).inc(count);
  }
}
