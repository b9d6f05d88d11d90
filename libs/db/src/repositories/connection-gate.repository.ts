import type { GateAnswer, GateQuestion, SharedGate } from '@flowline/delivery';
import type { DataSource } from 'typeorm';

/**
 * The cluster-wide token buckets of connections and the requests each dispatcher holds in flight
 * (decisions 0022 and 0031), in PostgreSQL.
 */
export class ConnectionGateRepository implements SharedGate {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Answers every question of `holder` (one per key) in one round trip (`flowline_admit_ahead`,
   * decision 0038): each tells how many slots the holder keeps for its key now, how many more it
   * wants and how many tokens it takes; the answer, the slots granted and tokens taken, whether
   * every slot is taken, and without a token: how long until one comes and when any holder was
   * last granted one. A question that wants no slot and no token only tells: it sets the holder's
   * row without the gate's lock, and is not answered (decision 0041).
   */
  async admit(holder: string, questions: readonly GateQuestion[]): Promise<GateAnswer[]> {
    const rows: Array<{
      limiter_key: string;
      granted: number;
      tokens: number;
      full_now: boolean;
      retry_in_ms: number;
      ms_since_grant: number | null;
    }> = await this.dataSource.query(
      `SELECT limiter_key, granted, tokens, full_now, retry_in_ms, ms_since_grant
         FROM flowline_admit_ahead($1::uuid, $2::text[], $3::int[], $4::int[], $5::int[], $6::float8[], $7::float8[], $8::int[], $9::int[])`,
      [
        holder,
        questions.map((question) => question.key),
        questions.map((question) => question.holding),
        questions.map((question) => question.want),
        // At least `want`: the function reads a question for no token as one that only tells.
        questions.map((question) => Math.max(question.want, question.tokens)),
        questions.map((question) => question.limits.rate),
        questions.map((question) => question.limits.burst),
        questions.map((question) => question.limits.maxInFlight),
        questions.map((question) => Math.ceil(question.limits.leaseMs)),
      ],
    );
    const byKey = new Map(rows.map((row) => [row.limiter_key, row]));
    return questions.map((question) => {
      const row = byKey.get(question.key);
      // Not answered: a question that only tells, or a gate retention removed while the question
      // waited (nothing granted, ask again).
      if (!row) return { granted: 0, tokens: 0, full: false, retryInMs: 0 };
      return {
        granted: row.granted,
        tokens: row.tokens,
        full: row.full_now,
        retryInMs: Math.max(0, row.retry_in_ms),
        ...(row.ms_since_grant == null ? {} : { msSinceGrant: row.ms_since_grant }),
      };
    });
  }
}
