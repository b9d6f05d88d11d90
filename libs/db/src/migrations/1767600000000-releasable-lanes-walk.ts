import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `flowline_releasable_lanes(prefix, after, lanes_to_walk, max_found, lease_s)`: the queue
 * sweeper's search for lanes nobody releases, at a cost bounded by the lanes it walks, not by the
 * deliveries parked (decision 0042). The sweep was one statement reading every held delivery,
 * every 2 s in every dispatcher: 82–150 ms a call with 39,000 parked behind a failing receiver,
 * and growing with the backlog of any tenant whose receiver fails.
 *
 * The walk goes from lane to lane in `deliveries_lane_queued`'s order: one index probe to the next
 * lane after `after`, which reads that lane's first waiting delivery (its head: the one a retry
 * or a lease keeps, since every later one was parked or claimed after it). The lane is releasable
 * when its head is held (or its lease is older than `lease_s`), of this prefix, to a connection
 * not paused. The walk stops after `lanes_to_walk` lanes or `max_found` releasable ones, and then
 * answers the last lane it walked with `releasable` NULL: the next sweep continues after it. No
 * such row: it walked to the end.
 *
 * Planned without sequential scans, bitmap scans or sorts: the probe is then an ordered scan of
 * `deliveries_lane_queued` whatever the statistics say. A skip scan left to the planner chose
 * another index and sorted every lane's probe when the statistics said nothing was parked
 * (14.9 s for 1,031 lanes, docs/BENCHMARKS.md).
 */
export class ReleasableLanesWalk1767600000000 implements MigrationInterface {
  name = 'ReleasableLanesWalk1767600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION flowline_releasable_lanes(
        p_origin_prefix text, p_after text, p_lanes_to_walk integer, p_max_found integer, p_lease_s integer
      ) RETURNS TABLE (lane text, releasable boolean)
      LANGUAGE plpgsql STABLE
      SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off AS $$
      #variable_conflict use_column
      DECLARE
        head record;
        walking text := p_after;
        walked integer := 0;
        found_count integer := 0;
      BEGIN
        LOOP
          SELECT d.lane, d.status, d.updated_at, d.origin, d.connection_id INTO head FROM deliveries d
           WHERE d.lane > walking AND d.status IN ('retrying', 'held', 'sending')
           ORDER BY d.lane, d.lane_seq LIMIT 1;
          IF NOT FOUND THEN
            RETURN;
          END IF;
          walking := head.lane;
          walked := walked + 1;
          IF (head.status = 'held'
              OR (head.status = 'sending' AND head.updated_at <= now() - make_interval(secs => p_lease_s)))
             AND starts_with(head.origin, p_origin_prefix)
             AND (head.connection_id IS NULL
                  OR NOT EXISTS (SELECT 1 FROM connections c WHERE c.id = head.connection_id AND c.paused_at IS NOT NULL)) THEN
            found_count := found_count + 1;
            RETURN QUERY SELECT walking, true;
          END IF;
          IF walked >= p_lanes_to_walk OR found_count >= p_max_found THEN
            RETURN QUERY SELECT walking, NULL::boolean;
            RETURN;
          END IF;
        END LOOP;
      END $$
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION IF EXISTS flowline_releasable_lanes(text, text, integer, integer, integer)');
  }
}
