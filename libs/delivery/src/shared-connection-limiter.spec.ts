import { SharedConnectionLimiter, SharedGate } from './shared-connection-limiter';

/** A gate with `slots` in-flight leases and unlimited tokens, which records how it is asked. */
class CountingGate implements SharedGate {
  leases = new Set<string>();
  asking = 0;
  mostAskingAtOnce = 0;
  takes = 0;
  released: string[] = [];
  next = 0;
  failWith: Error | undefined;
  /** What the gate says of the last grant when it refuses: another process's, this long ago. */
  msSinceGrant: number | undefined;

  constructor(private readonly slots: number) {}

  wanted: number[] = [];

  /** The leases each statement carried back. */
  carried: string[][] = [];
  /** The keys each statement asked for. */
  statements: string[][] = [];

  async takeMany(
    questions: Array<{ key: string; want: number }>,
    release: string[],
  ): Promise<Array<{ leaseIds: string[]; retryInMs: number; full: boolean; msSinceGrant?: number }>> {
    this.statements.push(questions.map(({ key }) => key));
    if (release.length > 0) this.carried.push(release);
    for (const leaseId of release) {
      this.released.push(leaseId);
      this.leases.delete(leaseId);
    }
    return Promise.all(questions.map(({ want }) => this.take(want)));
  }

  private async take(
    want: number,
  ): Promise<{ leaseIds: string[]; retryInMs: number; full: boolean; msSinceGrant?: number }> {
    this.asking += 1;
    this.takes += 1;
    this.wanted.push(want);
    this.mostAskingAtOnce = Math.max(this.mostAskingAtOnce, this.asking);
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.asking -= 1;
    if (this.failWith) throw this.failWith;
    const leaseIds: string[] = [];
    while (leaseIds.length < want && this.leases.size < this.slots) {
      const leaseId = String((this.next += 1));
      this.leases.add(leaseId);
      leaseIds.push(leaseId);
    }
    if (leaseIds.length > 0 || this.msSinceGrant === undefined)
      return { leaseIds, retryInMs: 0, full: leaseIds.length === 0 };
    return { leaseIds, retryInMs: 0, full: true, msSinceGrant: this.msSinceGrant };
  }

  /** Each release statement's leases. */
  releases: string[][] = [];

  release(leaseIds: string[]): Promise<void> {
    this.releases.push(leaseIds);
    for (const leaseId of leaseIds) {
      this.released.push(leaseId);
      this.leases.delete(leaseId);
    }
    return Promise.resolve();
  }
}

const policy = { rateLimitPerS: 1000, maxInFlight: 2, timeoutMs: 1000 };
/** A wait of `ms` without progress, and at most `capMs` in all. */
const waitOf = (ms: number, capMs = ms) => ({ stallMs: ms, until: Date.now() + capMs });

describe('SharedConnectionLimiter', () => {
  it('asks the gate for one waiting request at a time, and admits the next once a slot frees', async () => {
    const gate = new CountingGate(2);
    const limiter = new SharedConnectionLimiter(gate);
    const admissions = Array.from({ length: 3 }, () => limiter.admit('c1', policy, waitOf(2_000)));
    const [first, second] = await Promise.all(admissions.slice(0, 2));
    expect(first!.admitted && second!.admitted).toBe(true);
    if (!first!.admitted) throw new Error('expected an admission');
    first!.release();
    first!.release(); // once only
    expect((await admissions[2]!).admitted).toBe(true);
    expect(gate.mostAskingAtOnce).toBe(1);
    // The three waiting requests were asked for in one question; two were granted.
    expect(gate.wanted[0]).toBe(3);
    expect(gate.released).toEqual(['1']);
  });

  it('releases the leases of requests that finish together in one statement', async () => {
    const gate = new CountingGate(3);
    const limiter = new SharedConnectionLimiter(gate);
    const admissions = await Promise.all([1, 2, 3].map(() => limiter.admit('c1', policy, waitOf(1_000))));
    for (const admission of admissions) if (admission.admitted) admission.release();
    // Nobody waits for the connection: released together, after a short while.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(gate.releases).toEqual([['1', '2', '3']]);
    expect((await limiter.admit('c1', policy, waitOf(1_000))).admitted).toBe(true);
  });

  it("hands finished requests' leases back with the next question for their connection: one round trip for both", async () => {
    const gate = new CountingGate(2);
    const limiter = new SharedConnectionLimiter(gate);
    const [first, second] = await Promise.all([1, 2].map(() => limiter.admit('c1', policy, waitOf(2_000))));
    const waiting = limiter.admit('c1', policy, waitOf(2_000));
    const takesBefore = gate.takes;
    if (!first!.admitted || !second!.admitted) throw new Error('expected admissions');
    first!.release();
    second!.release();
    expect((await waiting).admitted).toBe(true);
    // Both leases went back with the question that admitted the waiter, in one round trip.
    expect(gate.carried).toEqual([['1', '2']]);
    expect(gate.releases).toEqual([]);
    expect(gate.takes - takesBefore).toBeLessThanOrEqual(2);
  });

  it('asks for every connection with requests waiting in the same turn in one statement', async () => {
    const gate = new CountingGate(100);
    const limiter = new SharedConnectionLimiter(gate);
    const keys = Array.from({ length: 50 }, (_, index) => `c${index}`);
    const admissions = await Promise.all(keys.map((key) => limiter.admit(key, policy, waitOf(1_000))));
    expect(admissions.every((admission) => admission.admitted)).toBe(true);
    expect(gate.statements).toEqual([keys]);
  });

  it('tells a request that cannot get a slot within its wait to defer', async () => {
    const gate = new CountingGate(1);
    const limiter = new SharedConnectionLimiter(gate);
    expect((await limiter.admit('c1', policy, waitOf(1_000))).admitted).toBe(true);
    const refused = await limiter.admit('c1', policy, waitOf(120));
    expect(refused).toEqual({ admitted: false, retryInMs: 100 });
    // Polled while full, but not once per millisecond.
    expect(gate.takes).toBeLessThan(10);
  });

  it('keeps waiting past the stall time while requests of this process keep finishing', async () => {
    const gate = new CountingGate(1);
    const limiter = new SharedConnectionLimiter(gate);
    let inFlight = await limiter.admit('c1', policy, waitOf(1_000));
    const waiting = [1, 2, 3].map(() => limiter.admit('c1', policy, waitOf(150, 5_000)));
    // Each finishes 100 ms after it began: the last waiter is admitted about 300 ms after it came.
    for (const next of waiting) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (!inFlight.admitted) throw new Error('expected an admission');
      inFlight.release();
      inFlight = await next;
    }
    expect(inFlight.admitted).toBe(true);
  });

  it("keeps waiting past the stall time while other processes' requests are granted slots", async () => {
    const gate = new CountingGate(1);
    // Another process holds the one slot, and the gate granted one a moment ago each time it is asked.
    gate.leases.add('elsewhere');
    gate.msSinceGrant = 10;
    const limiter = new SharedConnectionLimiter(gate);
    const waiting = limiter.admit('c1', policy, waitOf(150, 5_000));
    await new Promise((resolve) => setTimeout(resolve, 400));
    gate.leases.delete('elsewhere');
    expect((await waiting).admitted).toBe(true);
  });

  it('defers once no process was granted a slot for the stall time', async () => {
    const gate = new CountingGate(1);
    gate.leases.add('elsewhere');
    gate.msSinceGrant = 10_000;
    const limiter = new SharedConnectionLimiter(gate);
    const askedAt = Date.now();
    expect(await limiter.admit('c1', policy, waitOf(150, 5_000))).toEqual({ admitted: false, retryInMs: 100 });
    expect(Date.now() - askedAt).toBeLessThan(1_000);
  });

  it('fails the waiting requests when the gate cannot answer', async () => {
    const gate = new CountingGate(1);
    gate.failWith = new Error('connection terminated');
    const limiter = new SharedConnectionLimiter(gate);
    await expect(limiter.admit('c1', policy, waitOf(1_000))).rejects.toThrow('connection terminated');
    gate.failWith = undefined;
    expect((await limiter.admit('c1', policy, waitOf(1_000))).admitted).toBe(true);
  });
});
