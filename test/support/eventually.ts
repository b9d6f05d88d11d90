/**
 * Waits until `check` answers a value (not undefined), looking again every 100 ms, for state
 * nothing pushes to a test (a row in PostgreSQL reaching a status). Fails with `what` after
 * `timeoutMs`.
 */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
