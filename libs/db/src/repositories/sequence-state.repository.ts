import type { DataSource } from 'typeorm';

export interface LeadKey {
  sequenceId: string;
  lead: string;
}

export interface StateChange extends LeadKey {
  tenant: string;
  /** The new state; undefined deletes the lead's progress (nothing left to keep). */
  state: unknown;
}

/** Where an expiry page ended. */
export interface ExpiryCursor {
  updatedAt: string;
  sequenceId: string;
  lead: string;
}

export interface IdleState extends StateChange {
  cursor: ExpiryCursor;
}

export interface Completion extends LeadKey {
  tenant: string;
  events: Array<{ id: string; event_type: string; created_at: string }>;
}

export interface StoredCompletion extends Completion {
  id: string;
  /** When it was recorded (epoch ms, the database's clock): the action's ingestion time. */
  completedAt: number;
}

export function leadKey(key: LeadKey): string {
  return `${key.sequenceId}\u0000${key.lead}`;
}

/** Each lead's partial progress per sequence, and completed sequences with their outbox flag. */
export class SequenceStateRepository {
  constructor(private readonly dataSource: DataSource) {}

  async load(keys: LeadKey[]): Promise<Map<string, unknown>> {
    if (keys.length === 0) return new Map();
    const rows: Array<{ sequence_id: string; lead: string; state: unknown }> = await this.dataSource.query(
      `SELECT s.sequence_id, s.lead, s.state
         FROM sequence_state s
         JOIN unnest($1::uuid[], $2::text[]) AS k(sequence_id, lead) USING (sequence_id, lead)`,
      [keys.map((key) => key.sequenceId), keys.map((key) => key.lead)],
    );
    return new Map(rows.map((row) => [leadKey({ sequenceId: row.sequence_id, lead: row.lead }), row.state]));
  }

  /**
   * Writes a chunk's state changes and completions in one transaction. A completion is recorded
   * at most once per (sequence, lead): the answer lists only those recorded now.
   */
  async apply(changes: StateChange[], completions: Completion[]): Promise<StoredCompletion[]> {
    return this.dataSource.transaction(async (manager) => {
      const kept = changes.filter((change) => change.state !== undefined);
      const dropped = changes.filter((change) => change.state === undefined);
      if (kept.length > 0) {
        await manager.query(
          `INSERT INTO sequence_state (sequence_id, lead, tenant_id, state, updated_at)
           SELECT sequence_id, lead, tenant_id, state, now()
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[]) AS t(sequence_id, lead, tenant_id, state)
           ON CONFLICT (sequence_id, lead) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`,
          [
            kept.map((change) => change.sequenceId),
            kept.map((change) => change.lead),
            kept.map((change) => change.tenant),
            kept.map((change) => JSON.stringify(change.state)),
          ],
        );
      }
      if (dropped.length > 0) {
        await manager.query(
          `DELETE FROM sequence_state s USING unnest($1::uuid[], $2::text[]) AS k(sequence_id, lead)
            WHERE s.sequence_id = k.sequence_id AND s.lead = k.lead`,
          [dropped.map((change) => change.sequenceId), dropped.map((change) => change.lead)],
        );
      }
      if (completions.length === 0) return [];
      const inserted: Array<{ id: string; sequence_id: string; lead: string; completed_at: Date }> =
        await manager.query(
          `INSERT INTO sequence_events (tenant_id, sequence_id, lead, events)
         SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::jsonb[])
         ON CONFLICT (sequence_id, lead) DO NOTHING
         RETURNING id, sequence_id, lead, completed_at`,
          [
            completions.map((completion) => completion.tenant),
            completions.map((completion) => completion.sequenceId),
            completions.map((completion) => completion.lead),
            completions.map((completion) => JSON.stringify(completion.events)),
          ],
        );
      const stored = new Map(inserted.map((row) => [leadKey({ sequenceId: row.sequence_id, lead: row.lead }), row]));
      return completions.flatMap((completion) => {
        const row = stored.get(leadKey(completion));
        return row === undefined ? [] : [{ ...completion, id: row.id, completedAt: row.completed_at.getTime() }];
      });
    });
  }

  async markProduced(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query('UPDATE sequence_events SET produced = true WHERE id = ANY($1::uuid[])', [ids]);
  }

  /**
   * Runs `work` only if no other detector replica is running it now (a transaction-scoped
   * advisory lock): the relay of stranded completions is done by one replica at a time, so two
   * never produce the same completion. Answers false when another holds it.
   */
  async exclusively(name: string, work: () => Promise<void>): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [lock] = await manager.query<Array<{ held: boolean }>>(
        'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 2)) AS held',
        [name],
      );
      if (!lock?.held) return false;
      await work();
      return true;
    });
  }

  /**
   * Completions recorded but not produced for `stuckForSeconds` (the process died in between),
   * oldest first. The age is measured on the database's clock, which stamped them.
   */
  async unproduced(stuckForSeconds: number, limit = 500): Promise<StoredCompletion[]> {
    const rows: Array<{
      id: string;
      tenant_id: string;
      sequence_id: string;
      lead: string;
      events: Completion['events'];
      completed_at: Date;
    }> = await this.dataSource.query(
      `SELECT id, tenant_id, sequence_id, lead, events, completed_at FROM sequence_events
          WHERE NOT produced AND completed_at < now() - make_interval(secs => $1) ORDER BY completed_at LIMIT $2`,
      [stuckForSeconds, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      tenant: row.tenant_id,
      sequenceId: row.sequence_id,
      lead: row.lead,
      events: row.events,
      completedAt: row.completed_at.getTime(),
    }));
  }

  /** Leads with partial progress (not yet fired), for the open partial matches gauge. */
  async countOpen(): Promise<number> {
    const rows: Array<{ open: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS open FROM sequence_state WHERE NOT (state ? 'firedAt')`,
    );
    return rows[0]?.open ?? 0;
  }

  /**
   * Drops the progress of these leads unless it changed since `before`: a chunk that updated a
   * lead meanwhile keeps its new progress.
   */
  async dropIdle(keys: LeadKey[], before: Date): Promise<void> {
    if (keys.length === 0) return;
    await this.dataSource.query(
      `DELETE FROM sequence_state s USING unnest($1::uuid[], $2::text[]) AS k(sequence_id, lead)
        WHERE s.sequence_id = k.sequence_id AND s.lead = k.lead AND s.updated_at < $3`,
      [keys.map((key) => key.sequenceId), keys.map((key) => key.lead), before.toISOString()],
    );
  }

  /**
   * Open states untouched since `before`, for expiry, a page at a time in (updated_at, sequence,
   * lead) order after `after`: paging on from where the last page ended, so states that are
   * kept (long windows) cannot hide the ones behind them.
   */
  async idleSince(before: Date, after?: ExpiryCursor, limit = 1000): Promise<Array<IdleState>> {
    const rows: Array<{ sequence_id: string; lead: string; tenant_id: string; state: unknown; updated_at: string }> =
      await this.dataSource.query(
        `SELECT sequence_id, lead, tenant_id, state, updated_at::text AS updated_at FROM sequence_state
          WHERE updated_at < $1 AND NOT (state ? 'firedAt')
            AND ($2::timestamptz IS NULL OR (updated_at, sequence_id, lead) > ($2::timestamptz, $3::uuid, $4::text))
          ORDER BY updated_at, sequence_id, lead LIMIT $5`,
        [before.toISOString(), after?.updatedAt ?? null, after?.sequenceId ?? null, after?.lead ?? null, limit],
      );
    return rows.map((row) => ({
      sequenceId: row.sequence_id,
      lead: row.lead,
      tenant: row.tenant_id,
      state: row.state,
      // Kept to the microsecond as text: a Date would round it and page past rows.
      cursor: { updatedAt: row.updated_at, sequenceId: row.sequence_id, lead: row.lead },
    }));
  }
}
