import { MigrationInterface, QueryRunner } from 'typeorm';
import { PROGRESS_ADMIT_FUNCTION } from './1766800000000-connection-gate-progress';

/** `flowline_admit` as this migration makes it (migration 1767000000000 restores it on the way down). */
export const QUESTIONS_ADMIT_FUNCTION = `
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
        -- A lease its owner is releasing right now is left to it (counted once more, this time).
        DELETE FROM connection_gate_leases l WHERE l.id IN (
          SELECT e.id FROM connection_gate_leases e WHERE e.limiter_key = p_key AND e.expires_at < at
            FOR UPDATE SKIP LOCKED);
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
 * One question to the gate for every connection a dispatcher is waiting for (decision 0022):
 * `flowline_admit_many` takes the keys with their wants and limits as arrays and answers a row
 * per key, after ending the leases in `p_release` (finished requests', of any key). With a
 * thousand tenants' connections in a chunk, one question per connection was one statement per
 * delivery. Keys are admitted in sorted order, so two dispatchers asking for overlapping sets
 * lock the gates in the same order. `flowline_admit` keeps its signature (a dispatcher of the
 * previous release calls it) and skips expired leases another transaction is deleting, so it
 * never waits for a lease row whose owner waits for the gate it holds.
 */
export class ConnectionGateQuestions1766900000000 implements MigrationInterface {
  name = 'ConnectionGateQuestions1766900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP FUNCTION flowline_admit(text, integer, double precision, double precision, integer, integer);
      ${QUESTIONS_ADMIT_FUNCTION}
      CREATE FUNCTION flowline_admit_many(
        p_keys text[], p_wants integer[], p_rates double precision[], p_bursts double precision[],
        p_max_in_flights integer[], p_lease_ms integer[], p_release bigint[]
      ) RETURNS TABLE (limiter_key text, lease_ids bigint[], retry_in_ms integer, ms_since_grant integer)
      LANGUAGE plpgsql AS $$
      DECLARE
        i integer;
      BEGIN
        IF cardinality(p_release) > 0 THEN
          DELETE FROM connection_gate_leases l WHERE l.id = ANY(p_release);
        END IF;
        FOR i IN SELECT k.i FROM unnest(p_keys) WITH ORDINALITY AS k(key, i) ORDER BY k.key LOOP
          RETURN QUERY SELECT p_keys[i], a.lease_ids, a.retry_in_ms, a.ms_since_grant
            FROM flowline_admit(p_keys[i], p_wants[i], p_rates[i], p_bursts[i], p_max_in_flights[i], p_lease_ms[i]) a;
        END LOOP;
      END $$;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP FUNCTION flowline_admit_many(text[], integer[], double precision[], double precision[], integer[], integer[], bigint[]);
      DROP FUNCTION flowline_admit(text, integer, double precision, double precision, integer, integer);
    `);
    await queryRunner.query(PROGRESS_ADMIT_FUNCTION);
  }
}
