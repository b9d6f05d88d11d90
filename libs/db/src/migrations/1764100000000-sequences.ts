import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sequence triggers (docs/CONTRACT.md §7), each lead's partial progress, and completed sequences. A
 * completed sequence is recorded with `produced = false` in the transaction that fires it and
 * flagged once its action is in Kafka: rows still unflagged after a crash are produced again.
 */
export class Sequences1764100000000 implements MigrationInterface {
  name = 'Sequences1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sequences (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        event_types text[] NOT NULL,
        window_seconds integer NOT NULL,
        window_unit text,
        ordered boolean NOT NULL DEFAULT false,
        active boolean NOT NULL DEFAULT true,
        webhook_url text,
        emails text[] NOT NULL DEFAULT '{}',
        email_subject text,
        email_preheader text,
        email_message text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX sequences_tenant ON sequences (tenant_id);
      CREATE TRIGGER sequences_changed AFTER INSERT OR UPDATE OR DELETE ON sequences
        FOR EACH STATEMENT EXECUTE FUNCTION bump_config_version();

      CREATE TABLE sequence_state (
        sequence_id uuid NOT NULL REFERENCES sequences(id) ON DELETE CASCADE,
        lead text NOT NULL,
        tenant_id text NOT NULL,
        state jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sequence_id, lead)
      );

      CREATE TABLE sequence_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL,
        sequence_id uuid NOT NULL,
        lead text NOT NULL,
        events jsonb NOT NULL,
        completed_at timestamptz NOT NULL DEFAULT now(),
        produced boolean NOT NULL DEFAULT false,
        UNIQUE (sequence_id, lead)
      );
      CREATE INDEX sequence_events_tenant ON sequence_events (tenant_id, completed_at);
      CREATE INDEX sequence_events_unproduced ON sequence_events (completed_at) WHERE NOT produced;

      -- A sequence's webhook goes to its own URL, not through a connection.
      ALTER TABLE deliveries ALTER COLUMN connection_id DROP NOT NULL;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE sequence_events; DROP TABLE sequence_state; DROP TABLE sequences;');
  }
}
