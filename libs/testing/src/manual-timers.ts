/**
 * Time a fast test moves by hand: `now`, and timers (`after`) that run in order as the test
 * passes them, each at its own time. Pure and in memory.
 */
export class ManualTimers {
  private readonly timers: Array<{ at: number; run: () => void; cancelled: boolean }> = [];

  constructor(public time: number) {}

  now(): number {
    return this.time;
  }

  /** Runs `run` once the test has moved the time `ms` on; answers a function that cancels it. */
  after(ms: number, run: () => void): () => void {
    const timer = { at: this.time + ms, run, cancelled: false };
    this.timers.push(timer);
    return () => (timer.cancelled = true);
  }

  /** Moves the time `ms` on, running the timers due meanwhile in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    while (this.runNextDue(end));
    this.time = end;
  }

  /**
   * As `advance`, and after each timer (and at the end) lets what it set off run: promise chains,
   * I/O already answered.
   */
  async advanceSettling(ms: number): Promise<void> {
    const end = this.time + ms;
    while (this.runNextDue(end)) await settle();
    this.time = end;
    await settle();
  }

  private runNextDue(end: number): boolean {
    const next = this.timers.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at)[0];
    if (!next) return false;
    this.time = next.at;
    next.cancelled = true;
    next.run();
    return true;
  }
}

/** Lets everything already set off run (promise chains, answers received), without time passing. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
