import type { DataSource } from 'typeorm';
import { returnedRows } from './returned-rows';

export type ReplayStatus = 'running' | 'done' | 'failed';

export interface ReplayRow {
  id: string;
  tenant_id: string;
  flow_id: string;
  from_time: Date;
  to_time: Date;
  event_id: string | null;
  status: ReplayStatus;
  events_read: number;
  actions_produced: number;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
  /** The api process running it; null when none does (released at shutdown, or from before leases). */
  owner: string | null;
  lease_expires_at: Date;
  /** How many times another process took it over after its runner died. */
  takeovers: number;
  /** The event log's end offsets captured at its first start: a resumed replay stops there too. */
  end_offsets: Array<{ partition: number; offset: string }> | null;
}

/** Who holds a replay's lease, and for how long each grant or renewal lasts. */
export interface ReplayLease {
  owner: string;
  ms: number;
}

/**
 * Flow replays, their progress and their leases (decision 0015). Every write made while a replay
 * runs names its owner: a process that lost the lease (it stalled and another took over) changes
 * nothing any more.
 */
export class ReplayRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records a replay, leased to `lease.owner`, unless the tenant already has `maxRunning` running
   * (each reads the event log to its end): then undefined. The tenant's rows are locked while
   * counting, so two requests at once cannot both pass.
   */
  async create(
    tenant: string,
    flowId: string,
    from: Date,
    to: Date,
    eventId: string | undefined,
    maxRunning: number,
    lease: ReplayLease,
  ): Promise<ReplayRow | undefined> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [`replays:${tenant}`]);
      const [running] = await manager.query<Array<{ count: string }>>(
        `SELECT count(*) FROM replays WHERE tenant_id = $1 AND status = 'running'`,
        [tenant],
      );
      if (Number(running!.count) >= maxRunning) return undefined;
      const [row] = await manager.query<ReplayRow[]>(
        `INSERT INTO replays (tenant_id, flow_id, from_time, to_time, event_id, owner, lease_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 millisecond') RETURNING *`,
        [tenant, flowId, from.toISOString(), to.toISOString(), eventId ?? null, lease.owner, lease.ms],
      );
      return row!;
    });
  }

  /**
   * Leases to `lease.owner` every running replay whose lease ran out (its runner died or was
   * stopped), except `excluding` (the owner's own, still running). A row taken from a previous
   * owner counts a takeover; one released at a graceful stop does not.
   */
  async takeOverExpired(lease: ReplayLease, excluding: readonly string[]): Promise<ReplayRow[]> {
    return returnedRows<ReplayRow>(
      await this.dataSource.query(
        `UPDATE replays SET owner = $1, lease_expires_at = now() + $2 * interval '1 millisecond',
                takeovers = takeovers + CASE WHEN owner IS NULL THEN 0 ELSE 1 END
          WHERE id IN (SELECT id FROM replays
                        WHERE status = 'running' AND lease_expires_at < now() AND NOT (id = ANY($3::uuid[]))
                        ORDER BY created_at FOR UPDATE SKIP LOCKED)
          RETURNING *`,
        [lease.owner, lease.ms, excluding],
      ),
    );
  }

  /** Extends the lease; false when the owner no longer holds it (taken over, or finished elsewhere). */
  async renew(id: string, lease: ReplayLease): Promise<boolean> {
    return this.updateOwned(id, lease.owner, `lease_expires_at = now() + $3 * interval '1 millisecond'`, [lease.ms]);
  }

  /** Keeps the ends a first start captured; false when the owner no longer holds the lease. */
  async recordEnds(id: string, owner: string, ends: Array<{ partition: number; offset: string }>): Promise<boolean> {
    return this.updateOwned(id, owner, 'end_offsets = $3::jsonb', [JSON.stringify(ends)]);
  }

  async progress(id: string, owner: string, eventsRead: number, actionsProduced: number): Promise<boolean> {
    return this.updateOwned(id, owner, 'events_read = $3, actions_produced = $4', [eventsRead, actionsProduced]);
  }

  async finish(id: string, owner: string, status: 'done' | 'failed', error: string | null): Promise<boolean> {
    return this.updateOwned(id, owner, 'status = $3, error = $4, finished_at = now()', [status, error]);
  }

  /** Gives the lease up at a graceful stop, so the next api process resumes the replay at once. */
  async release(id: string, owner: string): Promise<boolean> {
    return this.updateOwned(id, owner, 'owner = NULL, lease_expires_at = now()', []);
  }

  async find(tenant: string, id: string): Promise<ReplayRow | undefined> {
    const rows = await this.dataSource.query<ReplayRow[]>('SELECT * FROM replays WHERE id = $1 AND tenant_id = $2', [
      id,
      tenant,
    ]);
    return rows[0];
  }

  /** Sets `assignments` ($3 on) on a running replay this owner holds; whether it did. */
  private async updateOwned(id: string, owner: string, assignments: string, values: unknown[]): Promise<boolean> {
    const rows = returnedRows<{ id: string }>(
      await this.dataSource.query(
        `UPDATE replays SET ${assignments} WHERE id = $1 AND owner = $2 AND status = 'running' RETURNING id`,
        [id, owner, ...values],
      ),
    );
    return rows.length > 0;
  }
}
