/**
 * Resolves waits for "at least n things arrived" the moment the n-th arrives (no polling):
 * the receivers of tests call `notify` with their count after each arrival.
 */
export class CountWaiter {
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(
    private readonly current: () => number,
    private readonly what: string,
  ) {}

  waitFor(count: number, timeoutMs: number): Promise<void> {
    if (this.current() >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.what}: got ${this.current()} of ${count} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  notify(): void {
    const now = this.current();
    for (let index = this.waiters.length - 1; index >= 0; index -= 1) {
      const waiter = this.waiters[index]!;
      if (now >= waiter.count) {
        this.waiters.splice(index, 1);
        waiter.resolve();
      }
    }
  }
}
