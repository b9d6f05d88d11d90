import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operational notifications (decision 0026). `notification_endpoints`: where a tenant wants to
 * hear of pauses, resumes, abandoned deliveries and finished replays: its own URL with a signing
 * secret (sealed), or email addresses. `notification_digests`: per connection, the deliveries
 * abandoned since its window opened (a count and the first failures), written with the attempts
 * that abandoned them and sent as one `delivery.abandoned` once the window closes.
 */
export class Notifications1765500000300 implements MigrationInterface {
  name = 'Notifications1765500000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE notification_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        url text,
        signing_secret text,
        emails text[],
        events text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((url IS NULL) <> (emails IS NULL))
      );
      CREATE INDEX notification_endpoints_tenant ON notification_endpoints (tenant_id, created_at);

      CREATE TABLE notification_digests (
        connection_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        origin text NOT NULL,
        opened_at timestamptz NOT NULL DEFAULT now(),
        count integer NOT NULL,
        first_failures jsonb NOT NULL
      );
      CREATE INDEX notification_digests_opened ON notification_digests (opened_at);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE notification_digests;
      DROP TABLE notification_endpoints;
    `);
  }
}
