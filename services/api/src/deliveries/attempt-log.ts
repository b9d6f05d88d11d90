import type { DeliveryLogRepository } from '@flowline/db';

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
  log: DeliveryLogRepository,
  tenant: string,
  deliveryId: string,
): Promise<AttemptLogEntry[]> {
  const attempts = await log.attempts(tenant, deliveryId);
  return attempts.map((attempt) => ({
    time: attempt.attempted_at.toISOString(),
    status_code: attempt.status_code,
    latency_ms: attempt.latency_ms,
    error: attempt.error,
    response: attempt.response_excerpt,
  }));
}
