import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The per-tenant figures of `GET /insights` (docs/CONTRACT.md §9, decision 0010) that no other table
 * holds: what the flow-evaluator did with each tenant's events, per hour of ingestion and per
 * live/test. Prometheus counters are per process and unlabelled by tenant, so they cannot answer.
 *
 * - `insights_hourly`: one row per (tenant, hour, live) of counters, added to per consumed chunk;
 * - `insights_hourly_subjects`: the subjects seen in that hour, for unique registrations across
 *   any period; keyed by a digest of the subject so the key is small and bounded whatever the
 *   subject is, and no personal identifier (a subject may be an email) is copied here;
 * - `insights_hourly_flows`: the flows that triggered an action in that hour (active flows).
 *
 * `hour` is the start of a UTC hour, computed by the writer (not `date_trunc`, which follows the
 * session's time zone). No foreign key to `tenants`: events of a tenant are counted as they come, and the counters stay
 * meaningful after configuration changes. The delivery figures are read from `deliveries`.
 */
export class Insights1764400000000 implements MigrationInterface {
  name = 'Insights1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE insights_hourly (
        tenant_id text NOT NULL,
        hour timestamptz NOT NULL,
        live boolean NOT NULL,
        changes_processed bigint NOT NULL DEFAULT 0,
        actions_triggered bigint NOT NULL DEFAULT 0,
        not_triggered_inactive bigint NOT NULL DEFAULT 0,
        not_triggered_mode bigint NOT NULL DEFAULT 0,
        not_triggered_source bigint NOT NULL DEFAULT 0,
        not_triggered_untagged_status bigint NOT NULL DEFAULT 0,
        not_triggered_activation bigint NOT NULL DEFAULT 0,
        not_triggered_filter bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, hour, live)
      );

      CREATE TABLE insights_hourly_subjects (
        tenant_id text NOT NULL,
        hour timestamptz NOT NULL,
        live boolean NOT NULL,
        subject_digest bytea NOT NULL,
        PRIMARY KEY (tenant_id, hour, live, subject_digest)
      );

      CREATE TABLE insights_hourly_flows (
        tenant_id text NOT NULL,
        hour timestamptz NOT NULL,
        live boolean NOT NULL,
        flow_id uuid NOT NULL,
        PRIMARY KEY (tenant_id, hour, live, flow_id)
      );

      -- The in-retry-queue figure counts what waits now, whenever it was created.
      CREATE INDEX deliveries_tenant_waiting ON deliveries (tenant_id) WHERE status IN ('retrying', 'held', 'sending');
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX deliveries_tenant_waiting;
      DROP TABLE insights_hourly_flows;
      DROP TABLE insights_hourly_subjects;
      DROP TABLE insights_hourly;
    `);
  }
}
