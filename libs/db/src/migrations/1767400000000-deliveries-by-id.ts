import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `flowline_deliveries_by_id(ids)`: the dispatcher's view of a chunk's deliveries, read through the
 * primary key whatever the statistics say (decision 0039). Planned from statistics that still
 * described an emptied table (a fresh install, or the minute after retention or a benchmark
 * cleared it, before autovacuum analyses it again), `id = ANY(500 ids)` read `deliveries`
 * sequentially, 45-72 ms a chunk while thousands of deliveries were parked (issue 13's (b)).
 * The function plans with sequential scans disabled; the index answers in about a millisecond.
 */
export class DeliveriesById1767400000000 implements MigrationInterface {
  name = 'DeliveriesById1767400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION flowline_deliveries_by_id(p_ids text[])
        RETURNS TABLE (id text, lane text, status text, retry_count integer, next_attempt_at timestamptz, origin text)
        LANGUAGE sql STABLE SET enable_seqscan = off AS $$
          SELECT d.id, d.lane, d.status, d.retry_count, d.next_attempt_at, d.origin
            FROM deliveries d WHERE d.id = ANY(p_ids)
        $$
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION IF EXISTS flowline_deliveries_by_id(text[])');
  }
}
