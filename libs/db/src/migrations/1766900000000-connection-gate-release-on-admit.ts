import { MigrationInterface, QueryRunner } from 'typeorm';
import { PROGRESS_ADMIT_FUNCTION } from './1766800000000-connection-gate-progress';

/**
 * `flowline_admit` ends leases as it grants (decision 0022): a dispatcher whose requests finished
 * while others wait for the same connection asks for the freed slots and returns the finished
 * requests' leases in one round trip, instead of a DELETE and then a question. `p_release`
 * defaults to none, so a dispatcher of the previous release calls it as before.
 */
export class ConnectionGateReleaseOnAdmit1766900000000 implements MigrationInterface {
  name = 'ConnectionGateReleaseOnAdmit1766900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP FUNCTION flowline_admit(text, integer, double precision, double precision, integer, integer);
      CREATE FUNCTION flowline_admit(
        p_key text, p_want integer, p_rate double precision, p_burst double precision,
        p_max_in_flight integer, p_lease_ms integer, p_release bigint[] DEFAULT '{}'
      ) RETURNS TABLE (lease_ids bigint[], retry_in_ms integer, ms_since_grant integer) LANGUAGE plpgsql AS $$
      DECLARE
        at timestamptz;
        available double precision;
        last_grant timestamptz;
        in_flight integer;
        granted integer;
      BEGIN
        -- Finished requests' leases, of any connection: their slots are free before this one counts.
        IF cardinality(p_release) > 0 THEN
          DELETE FROM connection_gate_leases l WHERE l.id = ANY(p_release);
        END IF;
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
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'DROP FUNCTION flowline_admit(text, integer, double precision, double precision, integer, integer, bigint[]);',
    );
    await queryRunner.query(PROGRESS_ADMIT_FUNCTION);
  }
}
