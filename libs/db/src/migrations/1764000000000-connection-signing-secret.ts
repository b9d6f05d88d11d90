import { MigrationInterface, QueryRunner } from 'typeorm';

/** The Standard Webhooks signing secret of a connection, sealed like its other secrets. */
export class ConnectionSigningSecret1764000000000 implements MigrationInterface {
  name = 'ConnectionSigningSecret1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE connections ADD COLUMN signing_secret text');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE connections DROP COLUMN signing_secret');
  }
}
