import { MigrationInterface, QueryRunner } from 'typeorm';

/** The tables the configuration snapshot reads (`ConfigRepository`), each with a `tenant_id`. */
const CONFIG_TABLES = ['connections', 'mappings', 'flows', 'tags', 'tag_assignments', 'sequences'] as const;

/**
 * A configuration version per tenant instead of one for everything (decision 0017), announced on
 * commit with `pg_notify('flowline_config_changed', tenant)`, so a running service reloads the one
 * tenant that changed, within milliseconds.
 *
 * Writes the dispatcher makes for itself are not configuration: a connection paused after a 410
 * Gone (`paused_at`, `paused_reason`) and a rotated OAuth2 refresh token (`auth.refresh_token`).
 * An update that changes nothing else and leaves `updated_at` alone (the API's writes move it,
 * through TypeORM's @UpdateDateColumn) bumps no version; a resume always does. A pause, whoever
 * made it, is also announced on `flowline_connection_paused`, so every dispatcher holds the
 * connection's deliveries at once without reloading anything.
 */
export class TenantConfigVersions1764600000000 implements MigrationInterface {
  name = 'TenantConfigVersions1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const everyTenantWithConfig = CONFIG_TABLES.map((table) => `SELECT tenant_id FROM ${table}`).join(' UNION ');
    await queryRunner.query(`
      CREATE TABLE tenant_config_versions (
        tenant_id text PRIMARY KEY,
        version bigint NOT NULL
      );
      INSERT INTO tenant_config_versions (tenant_id, version) SELECT tenant_id, 1 FROM (${everyTenantWithConfig}) t;

      CREATE FUNCTION bump_tenant_config_version(tenant text) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO tenant_config_versions AS v (tenant_id, version) VALUES (tenant, 1)
          ON CONFLICT (tenant_id) DO UPDATE SET version = v.version + 1;
        -- Sent at commit, once per tenant and transaction however many rows changed.
        PERFORM pg_notify('flowline_config_changed', tenant);
      END $$;

      CREATE FUNCTION tenant_config_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM bump_tenant_config_version(OLD.tenant_id); END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) THEN
          PERFORM bump_tenant_config_version(NEW.tenant_id);
        END IF;
        RETURN NULL;
      END $$;

      CREATE FUNCTION connection_paused() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(
          'flowline_connection_paused',
          json_build_object('tenant', NEW.tenant_id, 'connection', NEW.id)::text
        );
        RETURN NULL;
      END $$;

      DROP TRIGGER connections_changed ON connections;
      DROP TRIGGER mappings_changed ON mappings;
      DROP TRIGGER flows_changed ON flows;
      DROP TRIGGER tags_changed ON tags;
      DROP TRIGGER tag_assignments_changed ON tag_assignments;
      DROP TRIGGER sequences_changed ON sequences;
      DROP FUNCTION bump_config_version();
      DROP TABLE config_version;

      ${CONFIG_TABLES.filter((table) => table !== 'connections')
        .map(
          (table) => `CREATE TRIGGER ${table}_config_changed AFTER INSERT OR UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION tenant_config_changed();`,
        )
        .join('\n      ')}

      CREATE TRIGGER connections_config_written AFTER INSERT OR DELETE ON connections
        FOR EACH ROW EXECUTE FUNCTION tenant_config_changed();
      -- Every update but the dispatcher's own: one that changed a column other than the pause and
      -- the refresh token (updated_at included, so the API's pause counts), or a resume. A column
      -- added later counts without touching this trigger.
      CREATE TRIGGER connections_config_updated AFTER UPDATE ON connections
        FOR EACH ROW WHEN (
          (OLD.paused_at IS NOT NULL AND NEW.paused_at IS NULL)
          OR (to_jsonb(OLD) - 'paused_at' - 'paused_reason') || jsonb_build_object('auth', OLD.auth - 'refresh_token')
            IS DISTINCT FROM
             (to_jsonb(NEW) - 'paused_at' - 'paused_reason') || jsonb_build_object('auth', NEW.auth - 'refresh_token')
        ) EXECUTE FUNCTION tenant_config_changed();
      CREATE TRIGGER connections_paused AFTER UPDATE OF paused_at ON connections
        FOR EACH ROW WHEN (OLD.paused_at IS NULL AND NEW.paused_at IS NOT NULL)
        EXECUTE FUNCTION connection_paused();
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TRIGGER connections_paused ON connections;
      DROP TRIGGER connections_config_updated ON connections;
      DROP TRIGGER connections_config_written ON connections;
      ${CONFIG_TABLES.filter((table) => table !== 'connections')
        .map((table) => `DROP TRIGGER ${table}_config_changed ON ${table};`)
        .join('\n      ')}
      DROP FUNCTION connection_paused();
      DROP FUNCTION tenant_config_changed();
      DROP FUNCTION bump_tenant_config_version(text);
      DROP TABLE tenant_config_versions;

      CREATE TABLE config_version (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        version bigint NOT NULL
      );
      INSERT INTO config_version (version) VALUES (1);
      CREATE FUNCTION bump_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE config_version SET version = version + 1;
        RETURN NULL;
      END $$;
      ${CONFIG_TABLES.map(
        (table) => `CREATE TRIGGER ${table}_changed AFTER INSERT OR UPDATE OR DELETE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION bump_config_version();`,
      ).join('\n      ')}
    `);
  }
}
