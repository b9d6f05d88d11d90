import { MigrationInterface, QueryRunner } from 'typeorm';
import { QUESTIONS_ADMIT_FUNCTION } from './1766900000000-connection-gate-questions';

/** `flowline_admit_holder` as this migration made it (the next gate migration's `down` restores it). */
export const HOLDER_ADMIT_FUNCTION = `
      CREATE OR REPLACE FUNCTION flowline_admit_holder(
        p_holder uuid, p_keys text[], p_holding integer[], p_wants integer[], p_rates double precision[],
        p_bursts double precision[], p_max_in_flights integer[], p_lease_ms integer[]
      ) RETURNS TABLE (limiter_key text, granted integer, retry_in_ms integer, ms_since_grant integer)
      -- One plan for every call: with the arrays' sizes known, PostgreSQL kept choosing a plan of
      -- its own for each call, and planning cost more than running it (1.6 against 0.7 ms).
      LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
      #variable_conflict use_column
      DECLARE
        at timestamptz;
      BEGIN
        -- Set-based, every key at once: each statement costs the server tens of µs, and a busy
        -- dispatcher asks hundreds of times a second for tens of keys. The keys must be distinct.
        -- A gate seen for the first time is created first (rarely: a read finds them all), then
        -- every gate is locked in key order: callers asking for overlapping keys cannot
        -- deadlock. Creating after locking could: waiting for another's new row while holding
        -- a lock it waits for.
        IF (SELECT count(*) FROM connection_gates g WHERE g.limiter_key = ANY(p_keys)) < cardinality(p_keys) THEN
          INSERT INTO connection_gates (limiter_key, tokens, refilled_at)
            SELECT q.key, q.burst, clock_timestamp() FROM unnest(p_keys, p_bursts) AS q(key, burst)
             ORDER BY q.key
            ON CONFLICT (limiter_key) DO NOTHING;
        END IF;
        PERFORM 1 FROM connection_gates g WHERE g.limiter_key = ANY(p_keys) ORDER BY g.limiter_key FOR UPDATE;
        -- The time is read once the gates' locks are held (see migration 1766700000000).
        at := clock_timestamp();
        RETURN QUERY
        WITH asked AS (
          SELECT * FROM unnest(p_keys, p_holding, p_wants, p_rates, p_bursts, p_max_in_flights, p_lease_ms)
            AS q(key, holding, want, rate, burst, max_in_flight, lease_ms)
        ), state AS (
          SELECT a.*, least(a.burst, g.tokens + greatest(0, extract(epoch FROM at - g.refilled_at)) * a.rate) AS available,
                 g.granted_at AS last_grant,
                 (SELECT coalesce(sum(h.in_flight), 0) FROM connection_gate_holders h
                    WHERE h.limiter_key = a.key AND h.holder <> p_holder AND h.expires_at >= at)::integer
                 -- Leases of dispatchers of the previous release.
                 + (SELECT count(*) FROM connection_gate_leases l
                      WHERE l.limiter_key = a.key AND l.expires_at >= at)::integer AS others
            -- Matched through the index with ANY: joined on the key alone, the planner (which
            -- expects a hundred keys from unnest) scanned every gate, a millisecond each time.
            FROM asked a JOIN connection_gates g ON g.limiter_key = a.key AND g.limiter_key = ANY(p_keys)
        ), lapsed AS (
          -- Every holder row of these gates is written under their locks; others' rows that
          -- lapsed (a killed dispatcher's) go, and are not counted above.
          DELETE FROM connection_gate_holders h
            WHERE h.limiter_key = ANY(p_keys) AND h.expires_at < at AND h.holder <> p_holder
        ), decided AS (
          SELECT s.*, greatest(0, least(s.want, floor(s.available)::integer, s.max_in_flight - s.others - s.holding)) AS given
            FROM state s
        ), bucket AS (
          UPDATE connection_gates g SET tokens = d.available - d.given, refilled_at = at, granted_at = at
            FROM decided d WHERE g.limiter_key = ANY(p_keys) AND g.limiter_key = d.key AND d.given > 0
        ), held AS (
          INSERT INTO connection_gate_holders AS h (limiter_key, holder, in_flight, expires_at)
            SELECT d.key, p_holder, d.holding + d.given, at + d.lease_ms * interval '1 millisecond'
              FROM decided d WHERE d.holding + d.given > 0
            ON CONFLICT (limiter_key, holder) DO UPDATE SET in_flight = EXCLUDED.in_flight, expires_at = EXCLUDED.expires_at
        ), gone AS (
          DELETE FROM connection_gate_holders h USING decided d
            WHERE h.limiter_key = ANY(p_keys) AND h.limiter_key = d.key AND h.holder = p_holder AND d.holding + d.given = 0
        )
        SELECT d.key, d.given,
               CASE WHEN d.given > 0 OR d.want = 0 THEN 0
                    WHEN d.others + d.holding >= d.max_in_flight THEN -1
                    ELSE ceil((1 - d.available) / d.rate * 1000)::integer END,
               CASE WHEN d.given = 0 AND d.last_grant IS NOT NULL
                    THEN least(extract(epoch FROM at - d.last_grant) * 1000, 2147483647)::integer END
          FROM decided d;
      END $$;
`;

/** `flowline_admit` as this migration made it: it counts the holders' rows too. */
export const HOLDERS_LEGACY_ADMIT_FUNCTION = `
      CREATE OR REPLACE FUNCTION flowline_admit(
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
        at := clock_timestamp();
        SELECT least(p_burst, g.tokens + greatest(0, extract(epoch FROM at - g.refilled_at)) * p_rate), g.granted_at
          INTO available, last_grant FROM connection_gates g WHERE g.limiter_key = p_key;
        DELETE FROM connection_gate_leases l WHERE l.id IN (
          SELECT e.id FROM connection_gate_leases e WHERE e.limiter_key = p_key AND e.expires_at < at
            FOR UPDATE SKIP LOCKED);
        -- The leases of this release's dispatchers, and the requests the newer ones hold.
        SELECT count(*) INTO in_flight FROM connection_gate_leases l WHERE l.limiter_key = p_key;
        in_flight := in_flight + (SELECT coalesce(sum(h.in_flight), 0) FROM connection_gate_holders h
                                   WHERE h.limiter_key = p_key AND h.expires_at >= at);
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
 * A connection's requests in flight counted per dispatcher process, not per request (decision
 * 0031): `connection_gate_holders` keeps one row per gate and process, with how many requests it
 * holds and when the row lapses (a killed process's slots free themselves, as its leases did).
 * `flowline_admit_holder` answers every question a process asks in one statement: each carries
 * the number the process holds right now (so finished requests need no statement of their own,
 * and a lost answer heals with the next one) and how many more it wants. A lease row was
 * inserted and deleted for every delivery; a holder's row is updated in place, once per
 * statement. Keys are locked in sorted order, as `flowline_admit_many` does.
 *
 * Dispatchers of the previous release still take leases: the new function counts their unexpired
 * leases, and `flowline_admit` (which `flowline_admit_many` calls) counts the holders' rows, so
 * both kinds of dispatcher keep one limit together during a rolling upgrade.
 */
export class ConnectionGateHolders1767000000000 implements MigrationInterface {
  name = 'ConnectionGateHolders1767000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE UNLOGGED TABLE connection_gate_holders (
        limiter_key text NOT NULL,
        holder uuid NOT NULL,
        in_flight integer NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (limiter_key, holder)
      );

      ${HOLDER_ADMIT_FUNCTION}

      ${HOLDERS_LEGACY_ADMIT_FUNCTION}
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP FUNCTION flowline_admit(text, integer, double precision, double precision, integer, integer);
      ${QUESTIONS_ADMIT_FUNCTION}
      DROP FUNCTION flowline_admit_holder(uuid, text[], integer[], integer[], double precision[], double precision[], integer[], integer[]);
      DROP TABLE connection_gate_holders;
    `);
  }
}
