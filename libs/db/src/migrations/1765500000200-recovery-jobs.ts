import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bulk recovery (decision 0025): a recovery job resubmits every retry queue item its filter
 * matched, under a lease like a replay's (decision 0015). `recovery_job_items` is the matched set,
 * in delivery order, fixed when the job starts; `position` is how far the job has handed items to
 * the queue. `deliveries.recovery_job_id` names the job that last resubmitted a delivery: its
 * progress (delivered, failed again) is read from the deliveries themselves. `scopes` are the
 * connections (or sequences) its items go to: one running job per scope. `topic_prefix` is the
 * installation's FLOWLINE_TOPIC_PREFIX: only its own api processes take a job over (the
 * installation's dispatchers are the ones that release what it parks).
 */
export class RecoveryJobs1765500000200 implements MigrationInterface {
  name = 'RecoveryJobs1765500000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE recovery_jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        topic_prefix text NOT NULL,
        filter jsonb NOT NULL,
        scopes text[] NOT NULL,
        status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'cancelled', 'failed')),
        matched integer NOT NULL,
        position integer NOT NULL DEFAULT 0,
        submitted integer NOT NULL DEFAULT 0,
        delivered integer NOT NULL DEFAULT 0,
        failed_again integer NOT NULL DEFAULT 0,
        error text,
        owner text,
        lease_expires_at timestamptz NOT NULL DEFAULT now(),
        takeovers integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX recovery_jobs_tenant ON recovery_jobs (tenant_id, created_at);
      CREATE INDEX recovery_jobs_running_by_lease ON recovery_jobs (lease_expires_at) WHERE status = 'running';

      CREATE TABLE recovery_job_items (
        job_id uuid NOT NULL REFERENCES recovery_jobs(id) ON DELETE CASCADE,
        position integer NOT NULL,
        delivery_id text NOT NULL,
        PRIMARY KEY (job_id, position)
      );

      ALTER TABLE deliveries ADD COLUMN recovery_job_id uuid;
      CREATE INDEX deliveries_recovery_job ON deliveries (recovery_job_id, status) WHERE recovery_job_id IS NOT NULL;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX deliveries_recovery_job;
      ALTER TABLE deliveries DROP COLUMN recovery_job_id;
      DROP TABLE recovery_job_items;
      DROP TABLE recovery_jobs;
    `);
  }
}
