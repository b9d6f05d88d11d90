import type { DataSource, EntityManager } from 'typeorm';
import { subjectDigest } from '../erasure/subject-digest';
import { SqlParams } from './sql-params';

export interface EventRef {
  tenant: string;
  id: string;
  /** Whose event it was: kept as its digest, so an erasure finds the subject's ids (decision 0021). */
  subject?: string;
}

/**
 * The dedupe horizon of ingest: which event ids were already accepted. Ids past the horizon are
 * forgotten by retention, in batches (libs/db/src/retention, decision 0021).
 */
export class ProcessedEventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records the ids not seen before and hands `passOn` which they were (as `tenant\0id` keys); the
   * claim stays uncommitted until `passOn` resolved (it produces the accepted events), so an id is
   * never remembered for an event that was not passed on: if `passOn` fails, nothing is recorded.
   */
  claimWhile<T>(events: EventRef[], seenAt: Date, passOn: (fresh: Set<string>) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => passOn(await this.claim(manager, events, seenAt)));
  }

  private async claim(manager: EntityManager, events: EventRef[], seenAt: Date): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const params = new SqlParams();
    const rows: Array<{ tenant_id: string; event_id: string }> = await manager.query(
      `INSERT INTO processed_events (tenant_id, event_id, seen_at, subject_digest)
       SELECT tenant_id, event_id, ${params.add(seenAt.toISOString(), 'timestamptz')}, subject_digest
         FROM unnest(${params.columns([
           [events.map((event) => event.tenant), 'text'],
           [events.map((event) => event.id), 'text'],
           [events.map((event) => (event.subject === undefined ? null : subjectDigest(event.subject))), 'bytea'],
         ])}) AS t(tenant_id, event_id, subject_digest)
       ON CONFLICT DO NOTHING
       RETURNING tenant_id, event_id`,
      params.values,
    );
    return new Set(rows.map((row) => eventKey({ tenant: row.tenant_id, id: row.event_id })));
  }
}

export function eventKey(event: EventRef): string {
  return `${event.tenant}\u0000${event.id}`;
}
