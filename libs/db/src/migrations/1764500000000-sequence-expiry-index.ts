import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Open partial matches by last update: the detector's expiry pages through them in this order
 * (decision 0008), and the open-matches gauge counts them, without scanning fired latches.
 */
export class SequenceExpiryIndex1764500000000 implements MigrationInterface {
  name = 'SequenceExpiryIndex1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE INDEX sequence_state_open_by_update ON sequence_state (updated_at, sequence_id, lead)
        WHERE NOT (state ? 'firedAt');
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX sequence_state_open_by_update');
  }
}
