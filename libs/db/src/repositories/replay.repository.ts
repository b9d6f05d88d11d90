import type { DataSource } from 'typeorm';

export interface ReplayRow {
  id: string;
  tenant_id: string;
  flow_id: string;
  from_time: Date;
  to_time: Date;
  event_id: string | null;
  status: 'running' | 'done' | 'failed';
  events_read: number;
  actions_produced: number;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

/** Flow replays and their progress. */
export class ReplayRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records a replay, unless the tenant already has `maxRunning` running (each reads the event
   * log to its end): then undefined. The tenant's rows are locked while counting, so two
   * requests at once cannot both pass.
   */
  async create(
    tenant: string,
    flowId: string,
    from: Date,
    to: Date,
    eventId: string | undefined,
    maxRunning: number,
  ): Promise<ReplayRow | undefined> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [`replays:${tenant}`]);
      const [running] = await manager.query<Array<{ count: string }>>(
        `SELECT count(*) FROM replays WHERE tenant_id = $1 AND status = 'running'`,
        [tenant],
      );
      if (Number(running!.count) >= maxRunning) return undefined;
      const [row] = await manager.query<ReplayRow[]>(
        `INSERT INTO replays (tenant_id, flow_id, from_time, to_time, event_id) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [tenant, flowId, from.toISOString(), to.toISOString(), eventId ?? null],
      );
      return row!;
    });
  }

  async progress(id: string, eventsRead: number, actionsProduced: number): Promise<void> {
    await this.dataSource.query('UPDATE replays SET events_read = $2, actions_produced = $3 WHERE id = $1', [
      id,
      eventsRead,
      actionsProduced,
    ]);
  }

  async finish(id: string, status: 'done' | 'failed', error: string | null): Promise<void> {
    await this.dataSource.query('UPDATE replays SET status = $2, error = $3, finished_at = now() WHERE id = $1', [
      id,
      status,
      error,
    ]);
  }

  async find(tenant: string, id: string): Promise<ReplayRow | undefined> {
    const rows = await this.dataSource.query<ReplayRow[]>('SELECT * FROM replays WHERE id = $1 AND tenant_id = $2', [
      id,
      tenant,
    ]);
    return rows[0];
  }
}
