import type { DataSource } from 'typeorm';
import {
  DEAD_LETTERED_STATUSES,
  LANE_HOLDING_STATUSES,
  SETTLED_STATUSES,
  sqlStatuses,
} from '../delivery-store/delivery-status';
import type { RetentionBatches } from './enforce-retention';
import type { RetentionClass } from './retention-policy';
import { removeDeliveriesSql } from './remove-deliveries';

/**
 * Delivery statuses retention may remove: settled ones (decision 0009). A delivery waiting for a
 * retry (`retrying`), held in its lane or behind its paused connection (`held`), or being sent
 * (`sending`) is never in these lists, whatever its age.
 */
const SETTLED = sqlStatuses(SETTLED_STATUSES);
/** Failed and abandoned deliveries keep their record (for resubmits) until its own horizon. */
const KEEPS_RECORD = sqlStatuses(DEAD_LETTERED_STATUSES);
const WAITING = sqlStatuses(LANE_HOLDING_STATUSES);

/** The insights tables, each keyed by hour. */
const INSIGHTS_TABLES = [
  'insights_hourly',
  'insights_hourly_subjects',
  'insights_hourly_flows',
  'insights_hourly_deliveries',
] as const;

/** The affected-row count TypeORM answers for DELETE and UPDATE: `[rows, count]`. */
function affected(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}

/**
 * One batch of each retention class as one short statement ($1 the cutoff, $2 the batch size):
 * the rows are picked oldest first through an index, locked with SKIP LOCKED so a row another
 * transaction is writing (a delivery being submitted) is left for a later pass, and removed.
 */
export class RetentionRepository implements RetentionBatches {
  constructor(
    private readonly dataSource: DataSource,
    /** Sequence state is kept at least a sequence's window plus the allowed lateness. */
    private readonly sequenceLatenessS: number,
  ) {}

  async removeBatch(name: RetentionClass, cutoff: Date, limit: number, now: Date): Promise<number> {
    const at = cutoff.toISOString();
    switch (name) {
      case 'deliveries': {
        // Folded into the hourly figures, then removed with their attempts (and stored records).
        const [removed] = await this.dataSource.query<Array<{ deliveries: number }>>(
          removeDeliveriesSql(
            `d.id IN (SELECT id FROM deliveries WHERE status IN (${SETTLED}) AND updated_at < $1
                       ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
             AND d.status IN (${SETTLED})`,
          ),
          [at, limit],
        );
        return removed?.deliveries ?? 0;
      }
      case 'delivery_records':
        return affected(
          await this.dataSource.query(
            `UPDATE deliveries SET message = NULL
              WHERE id IN (SELECT id FROM deliveries
                            WHERE message IS NOT NULL AND status IN (${KEEPS_RECORD}) AND updated_at < $1
                            ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                AND status IN (${KEEPS_RECORD})`,
            [at, limit],
          ),
        );
      case 'response_excerpts':
        // The attempts of a delivery that still waits keep their excerpts: it is not settled.
        return affected(
          await this.dataSource.query(
            `UPDATE delivery_attempts SET response_excerpt = NULL
              WHERE id IN (SELECT a.id FROM delivery_attempts a
                            WHERE a.response_excerpt IS NOT NULL AND a.attempted_at < $1
                              AND NOT EXISTS (SELECT 1 FROM deliveries d
                                               WHERE d.id = a.delivery_id AND d.status IN (${WAITING}))
                            ORDER BY a.attempted_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
            [at, limit],
          ),
        );
      case 'sequence_events':
        // Only produced ones: an unproduced completion is an action still to send (decision 0008).
        return affected(
          await this.dataSource.query(
            `DELETE FROM sequence_events
              WHERE id IN (SELECT id FROM sequence_events WHERE produced AND completed_at < $1
                            ORDER BY completed_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
            [at, limit],
          ),
        );
      case 'sequence_state':
        // Fired latches and progress untouched past the horizon, and never within the sequence's
        // window (plus lateness) of its last update: such progress may still complete.
        return affected(
          await this.dataSource.query(
            `DELETE FROM sequence_state
              WHERE (sequence_id, lead) IN (
                SELECT st.sequence_id, st.lead FROM sequence_state st JOIN sequences s ON s.id = st.sequence_id
                 WHERE st.updated_at < $1
                   AND st.updated_at < $3::timestamptz - make_interval(secs => s.window_seconds + $4)
                 ORDER BY st.updated_at LIMIT $2 FOR UPDATE OF st SKIP LOCKED)`,
            [at, limit, now.toISOString(), this.sequenceLatenessS],
          ),
        );
      case 'replays':
        return affected(
          await this.dataSource.query(
            `DELETE FROM replays
              WHERE id IN (SELECT id FROM replays WHERE status <> 'running' AND finished_at < $1
                            ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
            [at, limit],
          ),
        );
      case 'insights': {
        let removed = 0;
        for (const table of INSIGHTS_TABLES) {
          removed += affected(
            await this.dataSource.query(
              `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE hour < $1 LIMIT $2))`,
              [at, limit],
            ),
          );
        }
        return removed;
      }
      case 'dedupe_entries':
        return affected(
          await this.dataSource.query(
            `DELETE FROM processed_events
              WHERE ctid = ANY(ARRAY(SELECT ctid FROM processed_events WHERE seen_at < $1 LIMIT $2))`,
            [at, limit],
          ),
        );
      case 'idle_gates': {
        // Gates no grant touched since the cutoff and that no dispatcher holds a request of now
        // (holders and leases expire on PostgreSQL's clock), with their lapsed holders and
        // leases. A gate being asked right now is locked and skipped; one removed between a
        // dispatcher's two statements answers "nothing granted" and is created on its next ask.
        const [removed] = await this.dataSource.query<Array<{ gates: number }>>(
          `WITH idle AS (
             SELECT g.limiter_key FROM connection_gates g
              WHERE g.refilled_at < $1
                AND NOT EXISTS (SELECT 1 FROM connection_gate_holders h
                                 WHERE h.limiter_key = g.limiter_key AND h.expires_at >= now())
                AND NOT EXISTS (SELECT 1 FROM connection_gate_leases l
                                 WHERE l.limiter_key = g.limiter_key AND l.expires_at >= now())
              LIMIT $2 FOR UPDATE SKIP LOCKED
           ), holders AS (
             DELETE FROM connection_gate_holders h USING idle WHERE h.limiter_key = idle.limiter_key
           ), leases AS (
             DELETE FROM connection_gate_leases l USING idle WHERE l.limiter_key = idle.limiter_key
           ), gates AS (
             DELETE FROM connection_gates g USING idle WHERE g.limiter_key = idle.limiter_key RETURNING 1
           )
           SELECT count(*)::integer AS gates FROM gates`,
          [at, limit],
        );
        return removed?.gates ?? 0;
      }
    }
  }
}
