import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `flowline_admit_ahead` (decision 0038): `flowline_admit_holder` with one more array, the tokens
 * each question asks for. A dispatcher keeps its in-flight slots while requests of its own wait
 * for them and takes the tokens they will need within the next moment in the same statement, so a
 * finished request's slot goes to the next one without a statement. Slots are granted as before
 * (each with a token); tokens beyond them are taken while the bucket has them. The previous
 * function stays for dispatchers of the previous release: both count the same holders' rows.
 */
export const AHEAD_ADMIT_FUNCTION = `
  CREATE OR REPLACE FUNCTION flowline_admit_ahead(
    p_holder uuid, p_keys text[], p_holding integer[], p_wants integer[], p_tokens integer[],
    p_rates double precision[], p_bursts double precision[], p_max_in_flights integer[], p_lease_ms integer[]
  ) RETURNS TABLE (limiter_key text, granted integer, tokens integer, full_now boolean, retry_in_ms integer,
                   ms_since_grant integer)
  -- One plan for every call (see flowline_admit_holder, migration 1767000000000).
  LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
  #variable_conflict use_column
  DECLARE
    at timestamptz;
    locked text[];
  BEGIN
    -- As flowline_admit_holder (migration 1767200000000): missing gates are created, then every
    -- asked gate is locked in key order, and only the gates locked here are answered.
    IF (SELECT count(*) FROM connection_gates g WHERE g.limiter_key = ANY(p_keys)) < cardinality(p_keys) THEN
      INSERT INTO connection_gates (limiter_key, tokens, refilled_at)
        SELECT q.key, q.burst, clock_timestamp() FROM unnest(p_keys, p_bursts) AS q(key, burst)
         ORDER BY q.key
        ON CONFLICT (limiter_key) DO NOTHING;
    END IF;
    SELECT array_agg(l.key) INTO locked FROM (
      SELECT g.limiter_key AS key FROM connection_gates g WHERE g.limiter_key = ANY(p_keys)
       ORDER BY g.limiter_key FOR UPDATE
    ) AS l;
    locked := coalesce(locked, ARRAY[]::text[]);
    at := clock_timestamp();
    RETURN QUERY
    WITH asked AS (
      SELECT * FROM unnest(p_keys, p_holding, p_wants, p_tokens, p_rates, p_bursts, p_max_in_flights, p_lease_ms)
        AS q(key, holding, want, token_want, rate, burst, max_in_flight, lease_ms)
    ), state AS (
      SELECT a.*, least(a.burst, g.tokens + greatest(0, extract(epoch FROM at - g.refilled_at)) * a.rate) AS available,
             g.granted_at AS last_grant,
             (SELECT coalesce(sum(h.in_flight), 0) FROM connection_gate_holders h
                WHERE h.limiter_key = a.key AND h.holder <> p_holder AND h.expires_at >= at)::integer
             + (SELECT count(*) FROM connection_gate_leases l
                  WHERE l.limiter_key = a.key AND l.expires_at >= at)::integer AS others
        FROM asked a JOIN connection_gates g ON g.limiter_key = a.key AND g.limiter_key = ANY(locked)
    ), lapsed AS (
      DELETE FROM connection_gate_holders h
        WHERE h.limiter_key = ANY(locked) AND h.expires_at < at AND h.holder <> p_holder
    ), sized AS (
      SELECT s.*, greatest(0, least(s.want, floor(s.available)::integer, s.max_in_flight - s.others - s.holding)) AS given
        FROM state s
    ), decided AS (
      -- Every slot granted takes a token. The tokens asked for beyond the slots wanted are taken
      -- while the bucket has them, for this holder's next requests on the slots it keeps (none
      -- if it keeps none); a question for slots alone takes no token when it gets no slot.
      SELECT z.*, z.given + CASE WHEN z.holding + z.given > 0
                                 THEN greatest(0, least(z.token_want - z.want, floor(z.available)::integer - z.given))
                                 ELSE 0 END AS taken
        FROM sized z
    ), bucket AS (
      UPDATE connection_gates g SET tokens = d.available - d.taken, refilled_at = at, granted_at = at
        FROM decided d WHERE g.limiter_key = ANY(locked) AND g.limiter_key = d.key AND d.taken > 0
    ), held AS (
      INSERT INTO connection_gate_holders AS h (limiter_key, holder, in_flight, expires_at)
        SELECT d.key, p_holder, d.holding + d.given, at + d.lease_ms * interval '1 millisecond'
          FROM decided d WHERE d.holding + d.given > 0
        ON CONFLICT (limiter_key, holder) DO UPDATE SET in_flight = EXCLUDED.in_flight, expires_at = EXCLUDED.expires_at
    ), gone AS (
      DELETE FROM connection_gate_holders h USING decided d
        WHERE h.limiter_key = ANY(locked) AND h.limiter_key = d.key AND h.holder = p_holder AND d.holding + d.given = 0
    )
    SELECT d.key, d.given, d.taken,
           d.others + d.holding + d.given >= d.max_in_flight,
           -- Without every slot it wanted and with slots free, what it lacked was tokens: when the next comes.
           CASE WHEN d.token_want = 0 OR (d.taken > 0 AND d.given >= d.want) THEN 0
                ELSE greatest(0, ceil((1 - (d.available - d.taken)) / d.rate * 1000))::integer END,
           CASE WHEN d.taken = 0 AND d.last_grant IS NOT NULL
                THEN least(extract(epoch FROM at - d.last_grant) * 1000, 2147483647)::integer END
      FROM decided d;
  END $$;
`;

export class ConnectionGateTokensAhead1767300000000 implements MigrationInterface {
  name = 'ConnectionGateTokensAhead1767300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(AHEAD_ADMIT_FUNCTION);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION IF EXISTS flowline_admit_ahead(uuid, text[], integer[], integer[], integer[],
         double precision[], double precision[], integer[], integer[])`,
    );
  }
}
