import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Console sign-ins (decision 0019): one row per session, found by the SHA-256 of the token in the
 * browser's cookie (the token itself is never stored), gone with its tenant. Expired rows are
 * removed at sign-in, by expiry.
 */
export class ConsoleSessions1765400000000 implements MigrationInterface {
  name = 'ConsoleSessions1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE console_sessions (
        token_hash text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE console_sessions');
  }
}
