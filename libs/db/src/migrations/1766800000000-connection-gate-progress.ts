import { MigrationInterface, QueryRunner } from 'typeorm';
import { ADMIT_FUNCTION } from './1766700000000-connection-gates';

/** `flowline_admit` as this migration makes it (migration 1766900000000 restores it on the way down). */
export const PROGRESS_ADMIT_FUNCTION = `
      CREATE FUNCTION flowline_admit(
        p_key text, p_want integer, p_rate double precision, p_burst double precision,
        p_max_in_flight integer, p_lease_ms integer
      ) RETURNS TABLE (lease_ids bigint[], retry_in_ms integer, ms_since_grant integer) LANGUAGE plpgsql AS $$
      DECLARE
        at timestamptz;
        available double precision;
        last_grant timestamptz;
        in_flight integer;
        granted integer;
      BEGIN
        INSERT INTO connection_gates (limiter_key, tokens, refilled_at) VALUES (p_key, p_burst, clock_timestamp())
          ON CONFLICT (limiter_key) DO NOTHING;
        PERFORM 1 FROM connection_gates g WHERE g.limiter_key = p_key FOR UPDATE;
        -- The time is read once the gate's lock is held (see migration 1766700000000).
        at := clock_timestamp();
        SELECT least(p_burst, g.tokens + greatest(0, extract(epoch FROM at - g.refilled_at)) * p_rate), g.granted_at
          INTO available, last_grant FROM connection_gates g WHERE g.limiter_key = p_key;
        DELETE FROM connection_gate_leases l WHERE l.limiter_key = p_key AND l.expires_at < at;
        SELECT count(*) INTO in_flight FROM connection_gate_leases l WHERE l.limiter_key = p_key;
        granted := least(p_want, floor(available)::integer, p_max_in_flight - in_flight);
        UPDATE connection_gates SET tokens = available - greatest(granted, 0), refilled_at = at,
            granted_at = CASE WHEN granted > 0 THEN at ELSE granted_at END
          WHERE limiter_key = p_key;
        IF granted < 1 THEN
          RETURN QUERY SELECT ARRAY[]::bigint[],
            CASE WHEN in_flight >= p_max_in_flight THEN -1 ELSE ceil((1 - available) / p_rate * 1000)::integer END,
            CASE WHEN last_grant IS NOT NULL THEN least(extract(epoch FROM at - last_grant) * 1000, 2147483647)::integer END;
          RETURN;
        END IF;
        RETURN QUERY WITH leased AS (
          INSERT INTO connection_gate_leases (limiter_key, expires_at)
            SELECT p_key, at + p_lease_ms * interval '1 millisecond' FROM generate_series(1, granted)
            RETURNING id
        ) SELECT array_agg(leased.id), 0, 0 FROM leased;
      END $$;
`;

/**
 * The shared gate says how long ago it last granted a lease (decision 0022): a dispatcher whose
 * waiters find every slot taken by other dispatchers then sees the connection progress, and keeps
 * waiting instead of deferring after a second in which none of its own requests moved.
 * `flowline_admit` keeps its two columns (a dispatcher of the previous release reads them by name)
 * and gains `ms_since_grant` (null: never granted).
 */
export class ConnectionGateProgress1766800000000 implements MigrationInterface {
  name = 'ConnectionGateProgress1766800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE connection_gates ADD COLUMN granted_at timestamptz;
      DROP FUNCTION flowline_admit(text, integer, double precision, double precision, integer, integer);
${PROGRESS_ADMIT_FUNCTION}    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP FUNCTION flowline_admit(text, integer, double precision, double precision, integer, integer);
      ALTER TABLE connection_gates DROP COLUMN granted_at;
    `);
    await queryRunner.query(ADMIT_FUNCTION);
  }
}
