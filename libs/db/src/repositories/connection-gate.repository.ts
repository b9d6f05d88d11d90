import type { GateAnswer, GateLimits, SharedGate } from '@flowline/delivery';
import type { DataSource } from 'typeorm';

/** The cluster-wide token buckets and in-flight leases of connections (decision 0022), in PostgreSQL. */
export class ConnectionGateRepository implements SharedGate {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Answers every question (one per key) in one round trip, first ending the leases in `release`
   * (of any key): for each, the tokens and in-flight leases granted; none granted, how long until
   * a token comes, or that every slot is taken, and when one was last granted.
   */
  async takeMany(
    questions: Array<{ key: string; want: number; limits: GateLimits }>,
    release: string[] = [],
  ): Promise<GateAnswer[]> {
    const rows: Array<{
      limiter_key: string;
      lease_ids: string[] | null;
      retry_in_ms: number;
      ms_since_grant: number | null;
    }> = await this.dataSource.query(
      `SELECT limiter_key, lease_ids, retry_in_ms, ms_since_grant
         FROM flowline_admit_many($1::text[], $2::int[], $3::float8[], $4::float8[], $5::int[], $6::int[], $7::bigint[])`,
      [
        questions.map((question) => question.key),
        questions.map((question) => question.want),
        questions.map((question) => question.limits.rate),
        questions.map((question) => question.limits.burst),
        questions.map((question) => question.limits.maxInFlight),
        questions.map((question) => Math.ceil(question.limits.leaseMs)),
        release,
      ],
    );
    const byKey = new Map(rows.map((row) => [row.limiter_key, row]));
    return questions.map((question) => {
      const row = byKey.get(question.key);
      const retryInMs = row?.retry_in_ms ?? 0;
      return {
        leaseIds: (row?.lease_ids ?? []).map(String),
        retryInMs: Math.max(0, retryInMs),
        full: retryInMs < 0,
        ...(row?.ms_since_grant == null ? {} : { msSinceGrant: row.ms_since_grant }),
      };
    });
  }

  /** Ends requests' leases, in one statement: their in-flight slots are free for every dispatcher. */
  async release(leaseIds: string[]): Promise<void> {
    if (leaseIds.length === 0) return;
    await this.dataSource.query('DELETE FROM connection_gate_leases WHERE id = ANY($1::bigint[])', [leaseIds]);
  }
}
