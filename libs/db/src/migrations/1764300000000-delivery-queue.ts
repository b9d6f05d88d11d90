import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The retry queue (docs/CONTRACT.md §8, decision 0009). A delivery row keeps its record while it is
 * queued (waiting for a retry, held behind an earlier delivery of its lane, or failed), so it
 * can be retried, released in order, or resubmitted by an operator. Connections can be paused
 * (after a 410) until an operator resumes them.
 */
export class DeliveryQueue1764300000000 implements MigrationInterface {
  name = 'DeliveryQueue1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE deliveries
        ADD COLUMN channel text NOT NULL DEFAULT 'webhook',
        ADD COLUMN lane text,
        ADD COLUMN lane_seq bigint,
        ADD COLUMN message bytea,
        ADD COLUMN category text,
        ADD COLUMN origin text,
        ADD COLUMN retry_count integer NOT NULL DEFAULT 0,
        ADD COLUMN next_attempt_at timestamptz,
        ADD COLUMN queued_at timestamptz;
      CREATE SEQUENCE deliveries_lane_seq;
      CREATE INDEX deliveries_lane_queued ON deliveries (lane, lane_seq)
        WHERE status IN ('retrying', 'held', 'sending');
      CREATE INDEX deliveries_retry_due ON deliveries (next_attempt_at) WHERE status = 'retrying';
      CREATE INDEX deliveries_retry_queue ON deliveries (tenant_id, queued_at) WHERE queued_at IS NOT NULL;
      ALTER TABLE connections
        ADD COLUMN paused_at timestamptz,
        ADD COLUMN paused_reason text;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE connections DROP COLUMN paused_at, DROP COLUMN paused_reason;
      DROP INDEX deliveries_retry_queue;
      DROP INDEX deliveries_retry_due;
      DROP INDEX deliveries_lane_queued;
      DROP SEQUENCE deliveries_lane_seq;
      ALTER TABLE deliveries
        DROP COLUMN channel, DROP COLUMN lane, DROP COLUMN lane_seq, DROP COLUMN message, DROP COLUMN category, DROP COLUMN origin,
        DROP COLUMN retry_count, DROP COLUMN next_attempt_at, DROP COLUMN queued_at;
    `);
  }
}
