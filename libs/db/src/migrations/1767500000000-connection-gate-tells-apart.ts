import { MigrationInterface, QueryRunner } from 'typeorm';
import { AHEAD_ADMIT_FUNCTION } from './1767300000000-connection-gate-tokens-ahead';

/**
 * `flowline_admit_ahead` at a cost that does not grow with the connections a dispatcher serves
 * (decision 0041). Same signature and answers as migration 1767300000000, two changes:
 *
 * - The slots the other holders keep (and the leases of the previous release) are counted by one
 *   grouped read of the locked gates, once. They were a correlated subquery per question that the
 *   planner inlined into every expression using them: five index scans of each table per key.
 * - A question that only tells (wants no slot and no token: the holder's requests finished) sets
 *   the holder's own row, and nothing else: no gate lock, bucket or answer. With a thousand
 *   tenants' connections each sent a delivery now and then, half of the questions are these.
 *   Others may read the previous count meanwhile, which is never lower: they grant less, never
 *   more. Only unexpired rows are touched, so a tell never waits for the holders' or retention's
 *   removal of lapsed rows, which touches expired rows only; it runs after this statement's gates
 *   are locked, as the other writes to holders do.
 * - Planned without sequential scans, so each statement reads only its keys' rows however large
 *   the tables grow.
 */
export const TELLS_APART_ADMIT_FUNCTION = `
  CREATE OR REPLACE FUNCTION flowline_admit_ahead(
    p_holder uuid, p_keys text[], p_holding integer[], p_wants integer[], p_tokens integer[],
    p_rates double precision[], p_bursts double precision[], p_max_in_flights integer[], p_lease_ms integer[]
  ) RETURNS TABLE (limiter_key text, granted integer, tokens integer, full_now boolean, retry_in_ms integer,
                   ms_since_grant integer)
  -- One plan for every call (see flowline_admit_holder, migration 1767000000000), through the
  -- keys' indexes: a generic plan cannot know how many keys an array holds, and read the whole
  -- holders table three times a statement while it was small (as decisions 0037 and 0039).
  LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
  #variable_conflict use_column
  DECLARE
    at timestamptz;
    asked_keys text[];
    locked text[];
  BEGIN
    SELECT coalesce(array_agg(q.key), ARRAY[]::text[]) INTO asked_keys
      FROM unnest(p_keys, p_wants, p_tokens) AS q(key, want, token_want) WHERE q.want > 0 OR q.token_want > 0;
    -- As before: missing gates are created, then every asked gate is locked in key order, and
    -- only the gates locked here are answered.
    IF (SELECT count(*) FROM connection_gates g WHERE g.limiter_key = ANY(asked_keys)) < cardinality(asked_keys) THEN
      INSERT INTO connection_gates (limiter_key, tokens, refilled_at)
        SELECT q.key, q.burst, clock_timestamp() FROM unnest(p_keys, p_bursts) AS q(key, burst)
         WHERE q.key = ANY(asked_keys)
         ORDER BY q.key
        ON CONFLICT (limiter_key) DO NOTHING;
    END IF;
    SELECT array_agg(l.key) INTO locked FROM (
      SELECT g.limiter_key AS key FROM connection_gates g WHERE g.limiter_key = ANY(asked_keys)
       ORDER BY g.limiter_key FOR UPDATE
    ) AS l;
    locked := coalesce(locked, ARRAY[]::text[]);
    at := clock_timestamp();
    RETURN QUERY
    WITH asked AS (
      SELECT * FROM unnest(p_keys, p_holding, p_wants, p_tokens, p_rates, p_bursts, p_max_in_flights, p_lease_ms)
        AS q(key, holding, want, token_want, rate, burst, max_in_flight, lease_ms)
       WHERE q.key = ANY(locked)
    ), other_holders AS (
      SELECT h.limiter_key AS key, sum(h.in_flight)::integer AS in_flight FROM connection_gate_holders h
       WHERE h.limiter_key = ANY(locked) AND h.holder <> p_holder AND h.expires_at >= at
       GROUP BY h.limiter_key
    ), leases AS (
      SELECT l.limiter_key AS key, count(*)::integer AS in_flight FROM connection_gate_leases l
       WHERE l.limiter_key = ANY(locked) AND l.expires_at >= at
       GROUP BY l.limiter_key
    ), state AS MATERIALIZED (
      SELECT a.*, least(a.burst, g.tokens + greatest(0, extract(epoch FROM at - g.refilled_at)) * a.rate) AS available,
             g.granted_at AS last_grant,
             coalesce(h.in_flight, 0) + coalesce(l.in_flight, 0) AS others
        FROM asked a JOIN connection_gates g ON g.limiter_key = a.key
        LEFT JOIN other_holders h ON h.key = a.key
        LEFT JOIN leases l ON l.key = a.key
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
    -- The questions that only tell: the holder's own unexpired rows, set to what it holds now.
    WITH told AS (
      SELECT * FROM unnest(p_keys, p_holding, p_wants, p_tokens, p_lease_ms)
        AS q(key, holding, want, token_want, lease_ms)
       WHERE q.want = 0 AND q.token_want = 0
    ), kept AS (
      UPDATE connection_gate_holders h SET in_flight = t.holding, expires_at = at + t.lease_ms * interval '1 millisecond'
        FROM told t WHERE h.limiter_key = t.key AND h.holder = p_holder AND h.expires_at >= at AND t.holding > 0
    )
    DELETE FROM connection_gate_holders h USING told t
     WHERE h.limiter_key = t.key AND h.holder = p_holder AND h.expires_at >= at AND t.holding = 0;
  END $$;
`;

export class ConnectionGateTellsApart1767500000000 implements MigrationInterface {
  name = 'ConnectionGateTellsApart1767500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(TELLS_APART_ADMIT_FUNCTION);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(AHEAD_ADMIT_FUNCTION);
  }
}
