import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes retention pages through, oldest first (decision 0021): each batch reads only the rows
 * it removes, whatever the size of the table. Partial where the class is a subset of a table
 * (settled deliveries, kept delivery records, attempts still holding an excerpt).
 */
export class RetentionIndexes1766100000000 implements MigrationInterface {
  name = 'RetentionIndexes1766100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE INDEX deliveries_settled_by_update ON deliveries (updated_at)
        WHERE status IN ('succeeded', 'failed', 'abandoned');
      CREATE INDEX deliveries_kept_record_by_update ON deliveries (updated_at)
        WHERE message IS NOT NULL AND status IN ('failed', 'abandoned');
      CREATE INDEX delivery_attempts_excerpt_by_time ON delivery_attempts (attempted_at)
        WHERE response_excerpt IS NOT NULL;
      CREATE INDEX sequence_events_produced_by_completion ON sequence_events (completed_at) WHERE produced;
      CREATE INDEX sequence_state_by_update ON sequence_state (updated_at);
      CREATE INDEX replays_finished ON replays (finished_at) WHERE status <> 'running';
      CREATE INDEX insights_hourly_by_hour ON insights_hourly (hour);
      CREATE INDEX insights_hourly_subjects_by_hour ON insights_hourly_subjects (hour);
      CREATE INDEX insights_hourly_flows_by_hour ON insights_hourly_flows (hour);
      CREATE INDEX insights_hourly_deliveries_by_hour ON insights_hourly_deliveries (hour);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX deliveries_settled_by_update;
      DROP INDEX deliveries_kept_record_by_update;
      DROP INDEX delivery_attempts_excerpt_by_time;
      DROP INDEX sequence_events_produced_by_completion;
      DROP INDEX sequence_state_by_update;
      DROP INDEX replays_finished;
      DROP INDEX insights_hourly_by_hour;
      DROP INDEX insights_hourly_subjects_by_hour;
      DROP INDEX insights_hourly_flows_by_hour;
      DROP INDEX insights_hourly_deliveries_by_hour;
    `);
  }
}
