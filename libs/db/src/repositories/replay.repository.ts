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

  async create(tenant: string, flowId: string, from: Date, to: Date, eventId: string | undefined): Promise<ReplayRow> {
    const [row] = await this.dataSource.query<ReplayRow[]>(
      `INSERT INTO replays (tenant_id, flow_id, from_time, to_time, event_id) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [tenant, flowId, from.toISOString(), to.toISOString(), eventId ?? null],
    );
    return row!;
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
