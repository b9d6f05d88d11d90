import { MigrationInterface, QueryRunner } from 'typeorm';

/** The schema of the analysts' views, and the role that may read them (decision 0023). */
export const ANALYTICS_SCHEMA = 'flowline_analytics';
export const ANALYST_ROLE = 'flowline_analyst_read';

/**
 * What the analysts' Grafana dashboard reads (decision 0023): views over the insights counters,
 * the delivery log and completed sequences, in a schema of their own, readable by the NOLOGIN role
 * `flowline_analyst_read` and by nothing else. An operator gives a login role membership in it
 * (README, "The analysts' dashboard"); the role reads no table, only these views, which run with
 * their owner's rights and show no subject, URL, header, body, error text or secret.
 *
 * - `evaluations`, `not_triggered`: the flow-evaluator's hourly counters per tenant (a column per
 *   reason, and the same unpivoted, one row per reason);
 * - `registrations`: the hour's subjects as pseudonyms: a SHA-256 of a random key kept in
 *   `analytics_pseudonym_key` (which the role cannot read), the tenant and the subject's digest, so
 *   unique registrations can be counted over any period while the subject (which the digest alone
 *   would betray to a dictionary of emails) cannot be recovered;
 * - `active_flows`: the flows that triggered in each hour;
 * - `deliveries`: one row per delivery of the log, and the hourly counters of those already
 *   removed (`folded`), with status, category, counts and retries, and the names of the flow,
 *   connection and sequence;
 * - `sequence_completions`: when each sequence completed, without the lead or its events;
 * - `tenants`, `flows`, `connections`, `sequences`: ids and names for the dashboard's variables.
 *
 * A later migration that changes a column these views read must drop and recreate the view. The
 * role is created if the migrating user may create roles; otherwise a warning says so and a
 * database administrator creates it and grants it (README), the views being there already.
 */
export class AnalyticsViews1766600000100 implements MigrationInterface {
  name = 'AnalyticsViews1766600000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE analytics_pseudonym_key (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        key bytea NOT NULL
      );
      -- 32 bytes from the server's strong random source (gen_random_uuid uses it).
      INSERT INTO analytics_pseudonym_key (key) VALUES (uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));

      CREATE SCHEMA ${ANALYTICS_SCHEMA};
      COMMENT ON SCHEMA ${ANALYTICS_SCHEMA} IS 'Flowline''s business figures for the analysts'' dashboard (decision 0023): read-only views, no personal data.';

      CREATE VIEW ${ANALYTICS_SCHEMA}.tenants AS
        SELECT id AS tenant_id, name AS tenant_name FROM tenants;

      CREATE VIEW ${ANALYTICS_SCHEMA}.connections AS
        SELECT tenant_id, id AS connection_id, name AS connection_name, paused_at IS NOT NULL AS paused
          FROM connections;

      CREATE VIEW ${ANALYTICS_SCHEMA}.flows AS
        SELECT f.tenant_id, f.id AS flow_id, f.name AS flow_name, f.live, f.active,
               f.connection_id, c.name AS connection_name
          FROM flows f LEFT JOIN connections c ON c.id = f.connection_id AND c.tenant_id = f.tenant_id;

      CREATE VIEW ${ANALYTICS_SCHEMA}.sequences AS
        SELECT tenant_id, id AS sequence_id, name AS sequence_name, active FROM sequences;

      CREATE VIEW ${ANALYTICS_SCHEMA}.evaluations AS
        SELECT tenant_id, hour, live, changes_processed, actions_triggered,
               not_triggered_inactive + not_triggered_mode + not_triggered_source + not_triggered_untagged_status
                 + not_triggered_activation + not_triggered_filter AS actions_not_triggered,
               not_triggered_inactive, not_triggered_mode, not_triggered_source, not_triggered_untagged_status,
               not_triggered_activation, not_triggered_filter
          FROM insights_hourly;

      CREATE VIEW ${ANALYTICS_SCHEMA}.not_triggered AS
        SELECT h.tenant_id, h.hour, h.live, r.reason, r.events
          FROM insights_hourly h
         CROSS JOIN LATERAL (VALUES ('inactive', h.not_triggered_inactive), ('mode', h.not_triggered_mode),
                                    ('source', h.not_triggered_source), ('untagged_status', h.not_triggered_untagged_status),
                                    ('activation', h.not_triggered_activation), ('filter', h.not_triggered_filter))
                 AS r(reason, events);

      CREATE VIEW ${ANALYTICS_SCHEMA}.registrations AS
        SELECT s.tenant_id, s.hour, s.live,
               substring(sha256(k.key || convert_to(s.tenant_id, 'UTF8') || '\\x00'::bytea || s.subject_digest) FROM 1 FOR 16)
                 AS registration
          FROM insights_hourly_subjects s CROSS JOIN analytics_pseudonym_key k;

      CREATE VIEW ${ANALYTICS_SCHEMA}.active_flows AS
        SELECT a.tenant_id, a.hour, a.live, a.flow_id, f.name AS flow_name
          FROM insights_hourly_flows a LEFT JOIN flows f ON f.id = a.flow_id AND f.tenant_id = a.tenant_id;

      -- As GET /insights counts them: a delivery is live when its flow is; a sequence's is live; one
      -- whose flow is gone is neither (null). Folded rows (decision 0021) count at their hour.
      CREATE VIEW ${ANALYTICS_SCHEMA}.deliveries AS
        SELECT d.tenant_id, d.created_at, d.folded, d.live, d.flow_id, f.name AS flow_name,
               d.connection_id, c.name AS connection_name, d.sequence_id, s.name AS sequence_name,
               d.channel, d.status, d.category, d.deliveries, d.retries
          FROM (SELECT l.tenant_id, l.created_at, false AS folded,
                       CASE WHEN l.flow_id IS NULL THEN true ELSE lf.live END AS live,
                       l.flow_id, l.connection_id, l.sequence_id, l.channel, l.status, l.category,
                       1::bigint AS deliveries, l.retry_count::bigint AS retries
                  FROM deliveries l LEFT JOIN flows lf ON lf.id = l.flow_id AND lf.tenant_id = l.tenant_id
                UNION ALL
                SELECT tenant_id, hour, true, live, flow_id, connection_id, sequence_id, channel, status, category,
                       deliveries, retries
                  FROM insights_hourly_deliveries) AS d
          LEFT JOIN flows f ON f.id = d.flow_id AND f.tenant_id = d.tenant_id
          LEFT JOIN connections c ON c.id = d.connection_id AND c.tenant_id = d.tenant_id
          LEFT JOIN sequences s ON s.id::text = d.sequence_id AND s.tenant_id = d.tenant_id;

      CREATE VIEW ${ANALYTICS_SCHEMA}.sequence_completions AS
        SELECT e.tenant_id, e.sequence_id, s.name AS sequence_name, e.completed_at
          FROM sequence_events e LEFT JOIN sequences s ON s.id = e.sequence_id AND s.tenant_id = e.tenant_id;
    `);
    await queryRunner.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ANALYST_ROLE}') THEN
          CREATE ROLE ${ANALYST_ROLE} NOLOGIN;
        END IF;
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE WARNING 'cannot create the role ${ANALYST_ROLE} (%): a database administrator must create it and grant it SELECT on the views of ${ANALYTICS_SCHEMA} (README, "The analysts'' dashboard")', SQLERRM;
      END $$;
      DO $$
      BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${ANALYST_ROLE}') THEN
          GRANT USAGE ON SCHEMA ${ANALYTICS_SCHEMA} TO ${ANALYST_ROLE};
          GRANT SELECT ON ALL TABLES IN SCHEMA ${ANALYTICS_SCHEMA} TO ${ANALYST_ROLE};
          -- Views a later migration adds to the schema are readable too.
          ALTER DEFAULT PRIVILEGES IN SCHEMA ${ANALYTICS_SCHEMA} GRANT SELECT ON TABLES TO ${ANALYST_ROLE};
        END IF;
      END $$;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${ANALYST_ROLE}') THEN
          ALTER DEFAULT PRIVILEGES IN SCHEMA ${ANALYTICS_SCHEMA} REVOKE SELECT ON TABLES FROM ${ANALYST_ROLE};
        END IF;
      END $$;
      DROP SCHEMA ${ANALYTICS_SCHEMA} CASCADE;
      DROP TABLE analytics_pseudonym_key;
    `);
    // The role is the cluster's, and other databases or login roles may use it: it is left.
  }
}
