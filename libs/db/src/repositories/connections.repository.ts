import type { DataSource } from 'typeorm';
import { ConnectionEntity } from '../entities';
import { returnedRows } from './returned-rows';
import { SqlParams } from './sql-params';
import { TenantRowsRepository } from './tenant-rows.repository';

/**
 * The tenants' connections (CONTRACT §4), and pausing and resuming one (decision 0009): while
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

  /** Lets the connection's deliveries go again; answers false if it was not paused. */
  resume(tenant: string, id: string): Promise<boolean> {
    return this.setPaused(tenant, id, undefined);
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
