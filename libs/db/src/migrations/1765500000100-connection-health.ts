import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Endpoint health (decision 0020): `connection_health` holds, per connection, since when every
 * delivery to it has failed with a retryable failure (a row exists only while it is failing; a
 * success deletes it). Kept out of `connections` so that the dispatcher's writes to it are never
 * configuration: they bump no version and reload nothing, and no API save can write an old value
 * back. Every dispatcher instance reads and writes the same row, so the clock survives restarts
 * and is shared across replicas.
 *
 * The pause announcement (`flowline_connection_paused`) now carries the reason, so every
 * dispatcher can say why the deliveries it holds wait.
 */
export class ConnectionHealth1765500000100 implements MigrationInterface {
  name = 'ConnectionHealth1765500000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE connection_health (
        connection_id uuid PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
        tenant_id text NOT NULL,
        failing_since timestamptz NOT NULL
      );
      CREATE INDEX connection_health_tenant ON connection_health (tenant_id);

      CREATE OR REPLACE FUNCTION connection_paused() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(
          'flowline_connection_paused',
          json_build_object('tenant', NEW.tenant_id, 'connection', NEW.id, 'reason', left(NEW.paused_reason, 500))::text
        );
        RETURN NULL;
      END $$;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION connection_paused() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(
          'flowline_connection_paused',
          json_build_object('tenant', NEW.tenant_id, 'connection', NEW.id)::text
        );
        RETURN NULL;
      END $$;
      DROP TABLE connection_health;
    `);
  }
}
