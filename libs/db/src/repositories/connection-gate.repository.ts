import type { GateAnswer, GateQuestion, SharedGate } from '@flowline/delivery';
import type { DataSource } from 'typeorm';

/**
 * The cluster-wide token buckets of connections and the requests each dispatcher holds in flight
 * (decisions 0022 and 0031), in PostgreSQL.
 */
export class ConnectionGateRepository implements SharedGate {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Answers every question of `holder` (one per key) in one round trip: each tells how many
   * requests the holder has in flight for its key now and how many more it wants; the answer,
   * how many were granted (a token and an in-flight slot each), or when none: how long until a
   * token comes, or that every slot is taken, and when any holder was last granted one.
   */
  async admit(holder: string, questions: readonly GateQuestion[]): Promise<GateAnswer[]> {
    const rows: Array<{ limiter_key: string; granted: number; retry_in_ms: number; ms_since_grant: number | null }> =
      await this.dataSource.query(
        `SELECT limiter_key, granted, retry_in_ms, ms_since_grant
           FROM flowline_admit_holder($1::uuid, $2::text[], $3::int[], $4::int[], $5::float8[], $6::float8[], $7::int[], $8::int[])`,
        [
          holder,
          questions.map((question) => question.key),
          questions.map((question) => question.holding),
          questions.map((question) => question.want),
          questions.map((question) => question.limits.rate),
          questions.map((question) => question.limits.burst),
          questions.map((question) => question.limits.maxInFlight),
          questions.map((question) => Math.ceil(question.limits.leaseMs)),
        ],
      );
    const byKey = new Map(rows.map((row) => [row.limiter_key, row]));
    return questions.map((question) => {
      const row = byKey.get(question.key);
      const retryInMs = row?.retry_in_ms ?? 0;
      return {
        granted: row?.granted ?? 0,
        retryInMs: Math.max(0, retryInMs),
        full: retryInMs < 0,
        ...(row?.ms_since_grant == null ? {} : { msSinceGrant: row.ms_since_grant }),
      };
    });
  }
}
