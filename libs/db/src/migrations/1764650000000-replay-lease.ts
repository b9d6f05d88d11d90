import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replays run under a lease (decision 0015): the api process running one (`owner`) renews
 * `lease_expires_at` while it runs; a running replay whose lease ran out is taken over by another
 * api process, which resumes it (`takeovers` counts the runners that died) or marks it failed.
 * `end_offsets` keeps the ends captured at the first start, so a resumed replay stops where the
 * first run would have. A row from before this migration has an expired lease: it is taken over.
 */
export class ReplayLease1764650000000 implements MigrationInterface {
  name = 'ReplayLease1764650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE replays
        ADD COLUMN owner text,
        ADD COLUMN lease_expires_at timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN takeovers integer NOT NULL DEFAULT 0,
        ADD COLUMN end_offsets jsonb;
      CREATE INDEX replays_running_by_lease ON replays (lease_expires_at) WHERE status = 'running';
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX replays_running_by_lease;
      ALTER TABLE replays DROP COLUMN owner, DROP COLUMN lease_expires_at, DROP COLUMN takeovers, DROP COLUMN end_offsets;
    `);
  }
}
