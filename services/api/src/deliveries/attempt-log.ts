import type { DataSource } from 'typeorm';

/** One attempt of a delivery as answers show it (docs/CONTRACT.md §8: the first KiB of the response). */
export interface AttemptLogEntry {
  time: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response: string | null;
}

/**
 * Every attempt of one of the tenant's deliveries, oldest first: what `GET /deliveries/{id}` and
 * `GET /retry-queue/{id}` show as `attempt_log`.
 */
export async function readAttemptLog(
  dataSource: DataSource,
  tenant: string,
  deliveryId: string,
): Promise<AttemptLogEntry[]> {
  const attempts = await dataSource.query<
    Array<{
      attempted_at: Date;
      status_code: number | null;
      latency_ms: number;
      error: string | null;
      response_excerpt: string | null;
    }>
  >(
    `SELECT attempted_at, status_code, latency_ms, error, response_excerpt FROM delivery_attempts
      WHERE delivery_id = $1 AND tenant_id = $2 ORDER BY attempted_at, id`,
    [deliveryId, tenant],
  );
  return attempts.map((attempt) => ({
    time: attempt.attempted_at.toISOString(),
    status_code: attempt.status_code,
    latency_ms: attempt.latency_ms,
    error: attempt.error,
    response: attempt.response_excerpt,
  }));
}
