import type { DataSource } from 'typeorm';
import { ConnectionEntity } from '../entities';
import { returnedRows } from './returned-rows';
import { SqlParams } from './sql-params';
import { TenantRowsRepository } from './tenant-rows.repository';

/**
 * The tenants' connections (docs/CONTRACT.md §4), and pausing and resuming one (decision 0009): while
 * `paused_at` is set its deliveries are held, not attempted. A 410 Gone pauses it (the
 * dispatcher), and so can an operator; only an operator resumes it. Each operator's write bumps
 * the configuration version like any connection change, which tells the running services.
 */
export class ConnectionsRepository extends TenantRowsRepository<ConnectionEntity> {
  constructor(dataSource: DataSource) {
    super(dataSource, ConnectionEntity);
  }

  /**
   * An operator's pause, an update of the connection like any other (`updated_at` moves); answers
   * false if it was paused already (or is not the tenant's).
   */
  pause(tenant: string, id: string, reason: string): Promise<boolean> {
    return this.setPaused(tenant, id, { reason, touch: true });
  }

  /**
   * The dispatcher's pause after a 410 Gone: the receiver's answer, not a change of the
   * connection's settings, so `updated_at` stays: it bumps no configuration version and reloads
   * nothing; a trigger announces the pause to every dispatcher instead (decision 0017). Answers
   * false if it was paused already.
   */
  pauseAfterGone(tenant: string, id: string, reason: string): Promise<boolean> {
    return this.setPaused(tenant, id, { reason, touch: false });
  }

  /**
   * The dispatcher's pause after `pause_after_failing_s` of retryable failures (decision 0020), as
   * `pauseAfterGone` leaves `updated_at` alone; only if the connection is still failing since
   * `failingSinceAtMost` or earlier (another dispatcher's success may have reset the clock since
   * this one looked). Answers false if it was not paused by this call.
   */
  async pauseAfterFailing(tenant: string, id: string, reason: string, failingSinceAtMost: Date): Promise<boolean> {
    const rows = returnedRows<{ id: string }>(
      await this.dataSource.query(
        `UPDATE connections c SET paused_at = now(), paused_reason = $3
          WHERE c.id = $1 AND c.tenant_id = $2 AND c.paused_at IS NULL
            AND EXISTS (SELECT 1 FROM connection_health h WHERE h.connection_id = c.id AND h.failing_since <= $4)
          RETURNING c.id`,
        [id, tenant, reason, failingSinceAtMost],
      ),
    );
    return rows.length > 0;
  }

  /**
   * A retryable failure of a delivery to the connection: starts its failing clock at `at` unless
   * it runs already; answers since when it has been failing (undefined for a deleted connection).
   */
  async markFailing(tenant: string, id: string, at: Date): Promise<Date | undefined> {
    const rows = await this.dataSource.query<Array<{ failing_since: Date }>>(
      `INSERT INTO connection_health AS h (connection_id, tenant_id, failing_since)
         SELECT id, tenant_id, $3 FROM connections WHERE id = $1 AND tenant_id = $2
       ON CONFLICT (connection_id) DO UPDATE SET failing_since = h.failing_since
       RETURNING failing_since`,
      [id, tenant, at],
    );
    return rows[0]?.failing_since;
  }

  /**
   * Deliveries to these connections succeeded: their failing clocks stop (and start anew at the
   * next failure). One statement for all of them.
   */
  async markRecovered(connections: Array<{ tenant: string; id: string }>): Promise<void> {
    if (connections.length === 0) return;
    await this.dataSource.query(
      `DELETE FROM connection_health h USING unnest($1::uuid[], $2::text[]) AS r(id, tenant)
        WHERE h.connection_id = r.id AND h.tenant_id = r.tenant`,
      [connections.map((connection) => connection.id), connections.map((connection) => connection.tenant)],
    );
  }

  /** Since when each of the tenant's failing connections has been failing. */
  async failingSince(tenant: string): Promise<Map<string, Date>> {
    const rows = await this.dataSource.query<Array<{ connection_id: string; failing_since: Date }>>(
      'SELECT connection_id, failing_since FROM connection_health WHERE tenant_id = $1',
      [tenant],
    );
    return new Map(rows.map((row) => [row.connection_id, row.failing_since]));
  }

  /**
   * Lets the connection's deliveries go again; answers false if it was not paused. Its failing
   * clock starts anew: the failures before the pause do not count against it again.
   */
  async resume(tenant: string, id: string): Promise<boolean> {
    const resumed = await this.setPaused(tenant, id, undefined);
    if (resumed) await this.markRecovered([{ tenant, id }]);
    return resumed;
  }

  private async setPaused(
    tenant: string,
    id: string,
    pause: { reason: string; touch: boolean } | undefined,
  ): Promise<boolean> {
    const params = new SqlParams();
    const set = pause
      ? `paused_at = now(), paused_reason = ${params.add(pause.reason)}${pause.touch ? ', updated_at = now()' : ''}`
      : 'paused_at = NULL, paused_reason = NULL, updated_at = now()';
    const rows = returnedRows<{ id: string }>(
      await this.dataSource.query(
        `UPDATE connections SET ${set}
          WHERE id = ${params.add(id)} AND tenant_id = ${params.add(tenant)}
            AND paused_at IS ${pause ? 'NULL' : 'NOT NULL'}
          RETURNING id`,
        params.values,
      ),
    );
    return rows.length > 0;
  }
}
