/**
 * One statement that removes the deliveries `selection` names (a condition on `d`, the
 * deliveries table), with their attempts, after folding them into the hourly delivery counters
 * (`insights_hourly_deliveries`, decision 0021), so the delivery figures of insights stay as they
 * were. Answers `deliveries` and `attempts` removed. `selection` may use the statement's
 * parameters ($1...).
 *
 * Used by retention (in batches) and by a subject's erasure: both remove deliveries and neither
 * may change a figure.
 */
export function removeDeliveriesSql(selection: string): string {
  return `
    WITH gone AS (
      DELETE FROM deliveries d WHERE ${selection}
      RETURNING d.id, d.tenant_id, d.created_at, d.flow_id, d.connection_id, d.sequence_id, d.channel, d.status,
                d.category, d.retry_count
    ), gone_attempts AS (
      DELETE FROM delivery_attempts a USING gone
       WHERE a.delivery_id = gone.id AND a.tenant_id = gone.tenant_id
      RETURNING 1
    ), folded AS (
      INSERT INTO insights_hourly_deliveries AS h
        (tenant_id, hour, live, flow_id, connection_id, sequence_id, channel, status, category, deliveries, retries)
      SELECT g.tenant_id, date_trunc('hour', g.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
             CASE WHEN g.flow_id IS NULL THEN true ELSE f.live END,
             g.flow_id, g.connection_id, g.sequence_id, g.channel, g.status, g.category, count(*), sum(g.retry_count)
        FROM gone g LEFT JOIN flows f ON f.id = g.flow_id AND f.tenant_id = g.tenant_id
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
       ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
      ON CONFLICT ON CONSTRAINT insights_hourly_deliveries_key DO UPDATE SET
        deliveries = h.deliveries + EXCLUDED.deliveries,
        retries = h.retries + EXCLUDED.retries
    )
    SELECT (SELECT count(*) FROM gone)::int AS deliveries, (SELECT count(*) FROM gone_attempts)::int AS attempts`;
}
