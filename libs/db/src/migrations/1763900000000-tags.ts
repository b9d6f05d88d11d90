import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tags (docs/CONTRACT.md §3): account-level labels, and their assignments to values of objects
 * (registration_status `Registered`, attendee_type `VIP`, question `Company Name`...).
 * Both are configuration, so writes bump `config_version` like flows and mappings.
 */
export class Tags1763900000000 implements MigrationInterface {
  name = 'Tags1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tags (
        tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        label text NOT NULL,
        objects text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, name)
      );

      CREATE TABLE tag_assignments (
        tenant_id text NOT NULL,
        tag_name text NOT NULL,
        object text NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (tenant_id, tag_name, object, value),
        FOREIGN KEY (tenant_id, tag_name) REFERENCES tags(tenant_id, name) ON DELETE CASCADE
      );

      CREATE TRIGGER tags_changed AFTER INSERT OR UPDATE OR DELETE ON tags
        FOR EACH STATEMENT EXECUTE FUNCTION bump_config_version();
      CREATE TRIGGER tag_assignments_changed AFTER INSERT OR UPDATE OR DELETE ON tag_assignments
        FOR EACH STATEMENT EXECUTE FUNCTION bump_config_version();
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE tag_assignments; DROP TABLE tags;');
  }
}
