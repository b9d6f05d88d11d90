import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Erasure of a subject's personal data (`DELETE /subjects/{subject}`, decision 0021).
 *
 * - `processed_events.subject_digest`: the dedupe horizon keeps event ids, which say nothing of
 *   whose event they were; the subject's key (the digest insights use, never the subject itself)
 *   lets an erasure find them. Null for ids remembered before this migration: those leave the
 *   horizon within `FLOWLINE_DEDUPE_HORIZON_S` anyway.
 * - `subject_erasures`: the audit trail of erasures, without the subject: who (the tenant), when,
 *   and how many records of each class were removed.
 */
export class SubjectErasure1766000000000 implements MigrationInterface {
  name = 'SubjectErasure1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE processed_events ADD COLUMN subject_digest bytea;
      CREATE INDEX processed_events_subject ON processed_events (tenant_id, subject_digest)
        WHERE subject_digest IS NOT NULL;

      CREATE TABLE subject_erasures (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL,
        erased_at timestamptz NOT NULL DEFAULT now(),
        counts jsonb NOT NULL
      );
      CREATE INDEX subject_erasures_tenant ON subject_erasures (tenant_id, erased_at);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE subject_erasures;
      DROP INDEX processed_events_subject;
      ALTER TABLE processed_events DROP COLUMN subject_digest;
    `);
  }
}
