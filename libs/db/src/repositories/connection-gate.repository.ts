import type { DataSource } from 'typeorm';

/**
 * What the shared gate answered: the leases granted, else when to ask again and how long ago any
 * dispatcher was last granted one (undefined: never).
 */
export type GateAnswer = { leaseIds: string[]; retryInMs: number; full: boolean; msSinceGrant?: number };

/** The cluster-wide token buckets and in-flight leases of connections (decision 0022), in PostgreSQL. */
export class ConnectionGateRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Takes up to `want` tokens and in-flight leases of `key` in one round trip, first ending the
   * leases in `release` (of any key); none granted, it says how long until a token comes, or that
   * every slot is taken, and when one was last granted.
   */
  async take(
    key: string,
    want: number,
    limits: { rate: number; burst: number; maxInFlight: number; leaseMs: number },
    release: string[] = [],
  ): Promise<GateAnswer> {
    const rows: Array<{ lease_ids: string[] | null; retry_in_ms: number; ms_since_grant: number | null }> =
      await this.dataSource.query(
        'SELECT lease_ids, retry_in_ms, ms_since_grant FROM flowline_admit($1, $2, $3, $4, $5, $6, $7::bigint[])',
        [key, want, limits.rate, limits.burst, limits.maxInFlight, Math.ceil(limits.leaseMs), release],
      );
    const row = rows[0];
    const retryInMs = row?.retry_in_ms ?? 0;
    return {
      leaseIds: (row?.lease_ids ?? []).map(String),
      retryInMs: Math.max(0, retryInMs),
      full: retryInMs < 0,
      ...(row?.ms_since_grant == null ? {} : { msSinceGrant: row.ms_since_grant }),
    };
  }

  /** Ends requests' leases, in one statement: their in-flight slots are free for every dispatcher. */
  async release(leaseIds: string[]): Promise<void> {
    if (leaseIds.length === 0) return;
    await this.dataSource.query('DELETE FROM connection_gate_leases WHERE id = ANY($1::bigint[])', [leaseIds]);
  }
}
