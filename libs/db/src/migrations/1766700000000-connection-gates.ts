import { MigrationInterface, QueryRunner } from 'typeorm';

/** `flowline_admit` as this migration makes it (migration 1766800000000 restores it on the way down). */
export const ADMIT_FUNCTION = `
      -- Up to p_want leases (as many as tokens and free slots allow); none: how long until a
      -- token comes (-1: every slot is taken).
      CREATE FUNCTION flowline_admit(
        p_key text, p_want integer, p_rate double precision, p_burst double precision,
        p_max_in_flight integer, p_lease_ms integer
      ) RETURNS TABLE (lease_ids bigint[], retry_in_ms integer) LANGUAGE plpgsql AS $$
      DECLARE
        at timestamptz;
        available double precision;
        in_flight integer;
        granted integer;
      BEGIN
        INSERT INTO connection_gates (limiter_key, tokens, refilled_at) VALUES (p_key, p_burst, clock_timestamp())
          ON CONFLICT (limiter_key) DO NOTHING;
        PERFORM 1 FROM connection_gates g WHERE g.limiter_key = p_key FOR UPDATE;
        -- The time is read once the gate's lock is held: read before, a caller that waited for the
        -- lock would set refilled_at back behind the one before it, and the next caller would be
        -- refilled for the same stretch twice (more than the rate under contention).
        at := clock_timestamp();
        SELECT least(p_burst, g.tokens + greatest(0, extract(epoch FROM at - g.refilled_at)) * p_rate)
          INTO available FROM connection_gates g WHERE g.limiter_key = p_key;
        DELETE FROM connection_gate_leases l WHERE l.limiter_key = p_key AND l.expires_at < at;
        SELECT count(*) INTO in_flight FROM connection_gate_leases l WHERE l.limiter_key = p_key;
        granted := least(p_want, floor(available)::integer, p_max_in_flight - in_flight);
        UPDATE connection_gates SET tokens = available - greatest(granted, 0), refilled_at = at
          WHERE limiter_key = p_key;
        IF granted < 1 THEN
          RETURN QUERY SELECT ARRAY[]::bigint[],
            CASE WHEN in_flight >= p_max_in_flight THEN -1 ELSE ceil((1 - available) / p_rate * 1000)::integer END;
          RETURN;
        END IF;
        RETURN QUERY WITH leased AS (
          INSERT INTO connection_gate_leases (limiter_key, expires_at)
            SELECT p_key, at + p_lease_ms * interval '1 millisecond' FROM generate_series(1, granted)
            RETURNING id
        ) SELECT array_agg(leased.id), 0 FROM leased;
      END $$;
`;

/**
 * A connection's limits across every dispatcher (decision 0022): one token bucket per limiter key
 * (`connection_gates`) and one lease per request in flight (`connection_gate_leases`, expiring
 * after the request's timeout so a killed dispatcher's leases free themselves).
 * `flowline_admit` takes tokens and leases for every request waiting in a process in one round trip under the gate's row lock, on
 * PostgreSQL's clock (one clock for all dispatchers). Unlogged: the state is seconds long and
 * rebuilt from nothing (a full bucket, no lease) if a crash loses it.
 */
export class ConnectionGates1766700000000 implements MigrationInterface {
  name = 'ConnectionGates1766700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE UNLOGGED TABLE connection_gates (
        limiter_key text PRIMARY KEY,
        tokens double precision NOT NULL,
        refilled_at timestamptz NOT NULL
      );
      CREATE UNLOGGED TABLE connection_gate_leases (
        id bigserial PRIMARY KEY,
        limiter_key text NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX connection_gate_leases_by_key ON connection_gate_leases (limiter_key, expires_at);

      ${ADMIT_FUNCTION}
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP FUNCTION flowline_admit(text, integer, double precision, double precision, integer, integer);
      DROP TABLE connection_gate_leases;
      DROP TABLE connection_gates;
    `);
  }
}
