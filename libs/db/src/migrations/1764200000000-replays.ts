import { MigrationInterface, QueryRunner } from 'typeorm';

/** Flow replays (docs/CONTRACT.md §6): one row per request, with its progress. */
export class Replays1764200000000 implements MigrationInterface {
  name = 'Replays1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE replays (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        flow_id uuid NOT NULL,
        from_time timestamptz NOT NULL,
        to_time timestamptz NOT NULL,
        event_id text,
        status text NOT NULL DEFAULT 'running',
        events_read integer NOT NULL DEFAULT 0,
        actions_produced integer NOT NULL DEFAULT 0,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX replays_tenant ON replays (tenant_id, created_at);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE replays');
  }
}
