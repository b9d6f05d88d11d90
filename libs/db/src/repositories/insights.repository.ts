import type { DataSource } from 'typeorm';
import {
  DEAD_LETTERED_STATUSES,
  RETRY_QUEUE_STATUSES,
  sqlStatus,
  sqlStatuses,
} from '../delivery-store/delivery-status';
import { SqlParams } from './sql-params';
import { subjectDigest } from '../erasure/subject-digest';

/** Why an evaluated event triggered no action: the reasons of docs/CONTRACT.md §6, one counter column each. */
export const INSIGHTS_NOT_TRIGGERED_REASONS = [
  'inactive',
  'mode',
  'source',
  'untagged_status',
  'activation',
  'filter',
] as const;
export type InsightsNotTriggeredReason = (typeof INSIGHTS_NOT_TRIGGERED_REASONS)[number];

/** What the flow-evaluator did with one tenant's events of one hour of ingestion, live or test. */
export interface InsightsTally {
  tenant: string;
  /** Start of the UTC hour in which ingest accepted the events. */
  hour: Date;
  /** Live (real) events, or test events (docs/CONTRACT.md §2 `test`). */
  live: boolean;
  /** Events evaluated against the tenant's flows. */
  changesProcessed: number;
  /** Actions produced: one per (event, flow that took it). */
  actionsTriggered: number;
  /** Events that triggered nothing, by reason. */
  notTriggered: Readonly<Record<InsightsNotTriggeredReason, number>>;
  /** The subjects of those events. */
  subjects: readonly string[];
  /** The flows that triggered at least one action. */
  flowIds: readonly string[];
}

/** One tenant's period: counters by hour of ingestion overlapping [from, to), deliveries created in it. */
export interface InsightsQuery {
  tenant: string;
  from: Date;
  to: Date;
  /** true: live figures only; false: test figures only; undefined: both. */
  live?: boolean;
}

/** The figures of the Certain metrics dashboard (docs/CONTRACT.md §9), as the database counts them. */
export interface InsightsFigures {
  changesProcessed: number;
  uniqueRegistrations: number;
  actionsTriggered: number;
  actionsNotTriggered: number;
  actionsNotTriggeredByReason: Record<InsightsNotTriggeredReason, number>;
  activeFlows: number;
  deliveriesSucceeded: number;
  deliveriesFailed: number;
  inRetryQueue: number;
  totalRetried: number;
  retriedAbandoned: number;
  validationErrors: number;
}

const HOUR_MS = 3_600_000;

/** The start of the UTC hour holding `time`: the counters' bucket. */
export function hourOf(time: number): Date {
  return new Date(Math.floor(time / HOUR_MS) * HOUR_MS);
}

const WAITING = RETRY_QUEUE_STATUSES.retry;

/**
 * A delivery is live when its flow is a live flow; a sequence trigger's delivery is live, since
 * sequences take only real events. A delivery whose flow no longer exists is neither: it counts
 * only when live and test figures are asked for together.
 */
const DELIVERY_IS_LIVE = 'CASE WHEN d.flow_id IS NULL THEN true ELSE f.live END';

/** The per-tenant counters of `GET /insights` (decision 0010) and the query of a period. */
export class InsightsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Adds one consumed chunk's tallies in one statement: the hour counters, the hour's subjects
   * and the flows that triggered. Rows are written in key order so concurrent chunks (other
   * partitions, other replicas) touching the same tenant and hour wait for each other instead of
   * deadlocking. Not idempotent: a redelivered chunk is counted again (at least once).
   */
  async record(tallies: readonly InsightsTally[]): Promise<void> {
    if (tallies.length === 0) return;
    const reasonColumns = INSIGHTS_NOT_TRIGGERED_REASONS.map((reason) => `not_triggered_${reason}`);
    // Each column is one array parameter, numbered in the order they are named here.
    const params = new SqlParams();
    const typed = (type: 'text' | 'timestamptz' | 'boolean' | 'bigint' | 'uuid') => (values: unknown[]) =>
      params.array(values, type);
    const [text, times, booleans, bigints, uuids] = [
      typed('text'),
      typed('timestamptz'),
      typed('boolean'),
      typed('bigint'),
      typed('uuid'),
    ] as const;
    const keyColumns = (rows: ReadonlyArray<{ tally: InsightsTally }>) =>
      [
        text(rows.map(({ tally }) => tally.tenant)),
        times(rows.map(({ tally }) => tally.hour.toISOString())),
        booleans(rows.map(({ tally }) => tally.live)),
      ].join(', ');
    const subjects = tallies.flatMap((tally) => tally.subjects.map((subject) => ({ tally, subject })));
    const subjectColumns = `${keyColumns(subjects)}, ${text(subjects.map(({ subject }) => subjectDigest(subject).toString('hex')))}`;
    const flows = tallies.flatMap((tally) => tally.flowIds.map((flowId) => ({ tally, flowId })));
    const flowColumns = `${keyColumns(flows)}, ${uuids(flows.map(({ flowId }) => flowId))}`;
    const counterColumns = [
      keyColumns(tallies.map((tally) => ({ tally }))),
      bigints(tallies.map((tally) => tally.changesProcessed)),
      bigints(tallies.map((tally) => tally.actionsTriggered)),
      ...INSIGHTS_NOT_TRIGGERED_REASONS.map((reason) => bigints(tallies.map((tally) => tally.notTriggered[reason]))),
    ].join(', ');
    await this.dataSource.query(
      `WITH new_subjects AS (
         INSERT INTO insights_hourly_subjects (tenant_id, hour, live, subject_digest)
         SELECT DISTINCT tenant_id, hour, live, decode(digest, 'hex')
           FROM unnest(${subjectColumns}) AS s(tenant_id, hour, live, digest)
          ORDER BY 1, 2, 3, 4
         ON CONFLICT DO NOTHING
       ), new_flows AS (
         INSERT INTO insights_hourly_flows (tenant_id, hour, live, flow_id)
         SELECT DISTINCT tenant_id, hour, live, flow_id
           FROM unnest(${flowColumns}) AS f(tenant_id, hour, live, flow_id)
          ORDER BY 1, 2, 3, 4
         ON CONFLICT DO NOTHING
       )
       INSERT INTO insights_hourly AS h (tenant_id, hour, live, changes_processed, actions_triggered, ${reasonColumns.join(', ')})
       SELECT tenant_id, hour, live, sum(changes_processed), sum(actions_triggered),
              ${reasonColumns.map((name) => `sum(${name})`).join(', ')}
         FROM unnest(${counterColumns})
           AS t(tenant_id, hour, live, changes_processed, actions_triggered, ${reasonColumns.join(', ')})
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
       ON CONFLICT (tenant_id, hour, live) DO UPDATE SET
         changes_processed = h.changes_processed + EXCLUDED.changes_processed,
         actions_triggered = h.actions_triggered + EXCLUDED.actions_triggered,
         ${reasonColumns.map((name) => `${name} = h.${name} + EXCLUDED.${name}`).join(',\n         ')}`,
      params.values,
    );
  }

  /**
   * The figures of one tenant's period. Evaluator counters have an hour's resolution: every hour
   * that overlaps [from, to) counts whole. Deliveries count by `created_at` in [from, to), except
   * the retry queue, which is what waits now.
   */
  async figures(query: InsightsQuery): Promise<InsightsFigures> {
    const reasonSums = INSIGHTS_NOT_TRIGGERED_REASONS.map(
      (reason) => `coalesce(sum(not_triggered_${reason}), 0)::text AS not_triggered_${reason}`,
    );
    const params = new SqlParams();
    const tenant = params.add(query.tenant);
    const fromHour = params.add(hourOf(query.from.getTime()).toISOString());
    const from = params.add(query.from.toISOString());
    const to = params.add(query.to.toISOString());
    const live = params.add(query.live ?? null, 'boolean');
    const waiting = params.array(WAITING, 'text');
    const [row] = await this.dataSource.query<Array<Record<string, string>>>(
      `WITH counters AS (
         SELECT coalesce(sum(changes_processed), 0)::text AS changes_processed,
                coalesce(sum(actions_triggered), 0)::text AS actions_triggered,
                ${reasonSums.join(',\n                ')}
           FROM insights_hourly
          WHERE tenant_id = ${tenant} AND hour >= ${fromHour} AND hour < ${to} AND (${live} IS NULL OR live = ${live})
       ), registrations AS (
         SELECT count(DISTINCT subject_digest)::text AS unique_registrations
           FROM insights_hourly_subjects
          WHERE tenant_id = ${tenant} AND hour >= ${fromHour} AND hour < ${to} AND (${live} IS NULL OR live = ${live})
       ), running_flows AS (
         SELECT count(DISTINCT flow_id)::text AS active_flows
           FROM insights_hourly_flows
          WHERE tenant_id = ${tenant} AND hour >= ${fromHour} AND hour < ${to} AND (${live} IS NULL OR live = ${live})
       ), period_deliveries AS (
         -- The deliveries of the period, and those already removed (retention, erasure) as the
         -- hourly counters they were folded into (decision 0021).
         SELECT coalesce(sum(n) FILTER (WHERE status = ${sqlStatus('succeeded')}), 0)::text AS deliveries_succeeded,
                coalesce(sum(n) FILTER (WHERE status IN (${sqlStatuses(DEAD_LETTERED_STATUSES)})), 0)::text AS deliveries_failed,
                coalesce(sum(retries), 0)::text AS total_retried,
                coalesce(sum(n) FILTER (WHERE status = ${sqlStatus('abandoned')}), 0)::text AS retried_abandoned,
                coalesce(sum(n) FILTER (WHERE category = 'validation'), 0)::text AS validation_errors
           FROM (SELECT d.status, d.category, 1 AS n, d.retry_count AS retries
                   FROM deliveries d LEFT JOIN flows f ON f.id = d.flow_id AND f.tenant_id = d.tenant_id
                  WHERE d.tenant_id = ${tenant} AND d.created_at >= ${from} AND d.created_at < ${to}
                    AND (${live} IS NULL OR ${DELIVERY_IS_LIVE} = ${live})
                 UNION ALL
                 SELECT status, category, deliveries, retries FROM insights_hourly_deliveries
                  WHERE tenant_id = ${tenant} AND hour >= ${fromHour} AND hour < ${to} AND (${live} IS NULL OR live = ${live})) AS period
       ), waiting AS (
         SELECT count(*)::text AS in_retry_queue
           FROM deliveries d LEFT JOIN flows f ON f.id = d.flow_id AND f.tenant_id = d.tenant_id
          WHERE d.tenant_id = ${tenant} AND d.status = ANY(${waiting})
            AND (${live} IS NULL OR ${DELIVERY_IS_LIVE} = ${live})
       )
       SELECT * FROM counters, registrations, running_flows, period_deliveries, waiting`,
      params.values,
    );
    // Sums are bigint, which the driver hands over as text; a tenant's figures fit a double exactly.
    const n = (column: string) => Number(row?.[column] ?? 0);
    const byReason = Object.fromEntries(
      INSIGHTS_NOT_TRIGGERED_REASONS.map((reason) => [reason, n(`not_triggered_${reason}`)]),
    ) as Record<InsightsNotTriggeredReason, number>;
    return {
      changesProcessed: n('changes_processed'),
      uniqueRegistrations: n('unique_registrations'),
      actionsTriggered: n('actions_triggered'),
      actionsNotTriggered: Object.values(byReason).reduce((sum, count) => sum + count, 0),
      actionsNotTriggeredByReason: byReason,
      activeFlows: n('active_flows'),
      deliveriesSucceeded: n('deliveries_succeeded'),
      deliveriesFailed: n('deliveries_failed'),
      inRetryQueue: n('in_retry_queue'),
      totalRetried: n('total_retried'),
      retriedAbandoned: n('retried_abandoned'),
      validationErrors: n('validation_errors'),
    };
  }
}
