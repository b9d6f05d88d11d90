/** The default period: the last 24 hours. */
export const DEFAULT_PERIOD_MS = 24 * 3_600_000;

/**
 * The period [from, to) a query asks for: `to` defaults to now and `from` to a day before `to`.
 * Answers the problem instead when the period is empty (only `from`, in the future, can make
 * it so once the query itself is valid).
 */
export function resolvePeriod(
  query: { from?: string; to?: string },
  now: Date,
): { ok: true; from: Date; to: Date } | { ok: false; error: string } {
  const to = query.to === undefined ? now : new Date(query.to);
  const from = query.from === undefined ? new Date(to.getTime() - DEFAULT_PERIOD_MS) : new Date(query.from);
  if (!(from.getTime() < to.getTime())) return { ok: false, error: 'from must be before to' };
  return { ok: true, from, to };
}
