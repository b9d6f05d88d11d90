import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants, their configuration (connections, mappings, flows), the dedupe horizon of ingest, and
 * the delivery log. `config_version` is bumped by a trigger on every configuration write, so
 * running services notice a change with one cheap query instead of reloading everything.
 */
export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tenants (
        id text PRIMARY KEY,
        name text NOT NULL,
        api_key_hash text UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE connections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        url text NOT NULL,
        method text NOT NULL DEFAULT 'POST',
        content_type text NOT NULL DEFAULT 'application/json',
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        auth jsonb NOT NULL DEFAULT '{"type":"none"}'::jsonb,
        policy jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX connections_tenant ON connections (tenant_id);

      CREATE TABLE mappings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        fields jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX mappings_tenant ON mappings (tenant_id);

      CREATE TABLE flows (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        live boolean NOT NULL DEFAULT true,
        active boolean NOT NULL DEFAULT true,
        source jsonb NOT NULL,
        activate_for jsonb NOT NULL DEFAULT '{}'::jsonb,
        filters jsonb NOT NULL DEFAULT '[]'::jsonb,
        connection_id uuid REFERENCES connections(id) ON DELETE SET NULL,
        payload_mapping_id uuid REFERENCES mappings(id) ON DELETE SET NULL,
        header_mapping_id uuid REFERENCES mappings(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX flows_tenant ON flows (tenant_id);

      CREATE TABLE processed_events (
        tenant_id text NOT NULL,
        event_id text NOT NULL,
        seen_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, event_id)
      );
      CREATE INDEX processed_events_seen_at ON processed_events (seen_at);

      CREATE TABLE deliveries (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        subject text NOT NULL,
        connection_id uuid NOT NULL,
        flow_id uuid,
        sequence_id text,
        event_id text NOT NULL,
        event_type text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        last_status_code integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      );
      CREATE INDEX deliveries_tenant_created ON deliveries (tenant_id, created_at);
      CREATE INDEX deliveries_tenant_subject ON deliveries (tenant_id, subject);

      CREATE TABLE delivery_attempts (
        id bigserial PRIMARY KEY,
        delivery_id text NOT NULL,
        tenant_id text NOT NULL,
        attempted_at timestamptz NOT NULL,
        status_code integer,
        latency_ms integer NOT NULL,
        error text,
        response_excerpt text
      );
      CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, attempted_at);

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

      CREATE TRIGGER connections_changed AFTER INSERT OR UPDATE OR DELETE ON connections
        FOR EACH STATEMENT EXECUTE FUNCTION bump_config_version();
      CREATE TRIGGER mappings_changed AFTER INSERT OR UPDATE OR DELETE ON mappings
        FOR EACH STATEMENT EXECUTE FUNCTION bump_config_version();
      CREATE TRIGGER flows_changed AFTER INSERT OR UPDATE OR DELETE ON flows
        FOR EACH STATEMENT EXECUTE FUNCTION bump_config_version();
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE config_version;
      DROP FUNCTION bump_config_version() CASCADE;
      DROP TABLE delivery_attempts;
      DROP TABLE deliveries;
      DROP TABLE processed_events;
      DROP TABLE flows;
      DROP TABLE mappings;
      DROP TABLE connections;
      DROP TABLE tenants;
    `);
  }
}
