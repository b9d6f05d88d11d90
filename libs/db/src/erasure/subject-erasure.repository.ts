import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { removeDeliveriesSql } from '../retention/remove-deliveries';
import { subjectDigest } from './subject-digest';

/**
 * What one erasure removed, per class of record (docs/CONTRACT.md §15). `insights_subject_keys` are
 * replaced rather than removed: see `eraseSubject`.
 */
export interface ErasureCounts {
  deliveries: number;
  delivery_attempts: number;
  sequence_state: number;
  sequence_events: number;
  dedupe_entries: number;
  insights_subject_keys: number;
  replays_redacted: number;
}

export interface ErasureRecord {
  id: string;
  tenant: string;
  erasedAt: Date;
  counts: ErasureCounts;
}

/** The affected-row count TypeORM answers for DELETE and UPDATE: `[rows, count]`. */
function affected(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}

/**
 * Erases one subject of one tenant from every table that holds a subject's data (decision 0021),
 * in one transaction, and writes the audit row (`subject_erasures`) without the subject. Every
 * statement is bound to the tenant: another tenant's subject of the same name is never touched.
 */
export class SubjectErasureRepository {
  constructor(private readonly dataSource: DataSource) {}

  async eraseSubject(tenant: string, subject: string): Promise<ErasureRecord> {
    return this.dataSource.transaction(async (manager) => {
      const digest = subjectDigest(subject);
      // The subject's event ids, before the rows naming them go: an event id may embed the
      // subject (`alice@example.com-42`), and a replay of one event keeps its id.
      const eventIds = await this.eventIdsOf(manager, tenant, subject, digest);
      // The log, the stored delivery records (`message`, the rendered bodies), their attempts with
      // response excerpts, and the subject's lanes: every delivery of a lane is the subject's, so
      // no other subject waits behind one. Folded into the hourly figures first.
      const [removed] = await manager.query<Array<{ deliveries: number; attempts: number }>>(
        removeDeliveriesSql('d.tenant_id = $1 AND d.subject = $2'),
        [tenant, subject],
      );
      const counts: ErasureCounts = {
        deliveries: removed!.deliveries,
        delivery_attempts: removed!.attempts,
        // Through the tenant's sequences: the primary key (sequence_id, lead) finds the rows.
        sequence_state: affected(
          await manager.query(
            `DELETE FROM sequence_state
              WHERE sequence_id IN (SELECT id FROM sequences WHERE tenant_id = $1) AND lead = $2 AND tenant_id = $1`,
            [tenant, subject],
          ),
        ),
        // Completed sequences outlive their sequence (no foreign key): found by tenant.
        sequence_events: affected(
          await manager.query('DELETE FROM sequence_events WHERE tenant_id = $1 AND lead = $2', [tenant, subject]),
        ),
        dedupe_entries: affected(
          await manager.query(
            `DELETE FROM processed_events
              WHERE tenant_id = $1 AND (subject_digest = $2 OR event_id = ANY($3::text[]))`,
            [tenant, digest, eventIds],
          ),
        ),
        // The insights count distinct subject keys per hour. Replacing the subject's key with one
        // random key, the same in every hour, keeps every unique-registrations figure exactly as
        // it was while nothing links the figures to the person any more.
        insights_subject_keys: affected(
          await manager.query(
            `UPDATE insights_hourly_subjects SET subject_digest = $3 WHERE tenant_id = $1 AND subject_digest = $2`,
            [tenant, digest, randomBytes(digest.length)],
          ),
        ),
        // A replay of one event keeps the event's id; the replay's figures stay, its id goes.
        replays_redacted: affected(
          await manager.query(
            `UPDATE replays SET event_id = 'erased' WHERE tenant_id = $1 AND event_id = ANY($2::text[])`,
            [tenant, eventIds],
          ),
        ),
      };
      const [audit] = await manager.query<Array<{ id: string; erased_at: Date }>>(
        'INSERT INTO subject_erasures (tenant_id, counts) VALUES ($1, $2) RETURNING id, erased_at',
        [tenant, JSON.stringify(counts)],
      );
      return { id: audit!.id, tenant, erasedAt: audit!.erased_at, counts };
    });
  }

  private async eventIdsOf(manager: EntityManager, tenant: string, subject: string, digest: Buffer): Promise<string[]> {
    const rows = await manager.query<Array<{ event_id: string }>>(
      `SELECT event_id FROM deliveries WHERE tenant_id = $1 AND subject = $2
        UNION SELECT event_id FROM processed_events WHERE tenant_id = $1 AND subject_digest = $3
        UNION SELECT e->>'id' FROM sequence_events s, jsonb_array_elements(s.events) e
               WHERE s.tenant_id = $1 AND s.lead = $2 AND e ? 'id'`,
      [tenant, subject, digest],
    );
    return rows.map((row) => row.event_id);
  }
}
