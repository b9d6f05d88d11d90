import { burstOf, ConnectionLimiter } from './connection-limiter';

describe('ConnectionLimiter', () => {
  let now = 0;
  const limiter = (): ConnectionLimiter => new ConnectionLimiter(() => now);
  beforeEach(() => {
    now = 1_000_000;
  });

  it('admits a burst of a fiftieth of a second at the rate, then tells when the next token comes', () => {
    const gates = limiter();
    const policy = { rateLimitPerS: 250, maxInFlight: 100 };
    const admitted = Array.from({ length: 6 }, () => gates.tryAdmit('c1', policy));
    expect(admitted.map((a) => a.admitted)).toEqual([true, true, true, true, true, false]);
    expect(admitted[5]).toEqual({ admitted: false, retryInMs: 4 });
    now += 4;
    expect(gates.tryAdmit('c1', policy).admitted).toBe(true);
  });

  it('never admits more than the rate plus its burst in any one second, however the requests come', () => {
    const gates = limiter();
    const policy = { rateLimitPerS: 50, maxInFlight: 1000 };
    const admittedAt: number[] = [];
    // Idle stretches (the bucket refills) between dense stretches, over 20 s in 1 ms steps.
    for (let step = 0; step < 20_000; step += 1, now += 1) {
      if (Math.floor(step / 1500) % 2 === 1) continue;
      const admission = gates.tryAdmit('c1', policy);
      if (admission.admitted) {
        admission.release();
        admittedAt.push(now);
      }
    }
    let most = 0;
    for (let first = 0, last = 0; last < admittedAt.length; last += 1) {
      while (admittedAt[last]! - admittedAt[first]! >= 1000) first += 1;
      most = Math.max(most, last - first + 1);
    }
    expect(most).toBeLessThanOrEqual(50 + burstOf(50));
    expect(most).toBeGreaterThanOrEqual(50);
  });

  it('keeps at most max_in_flight requests at once, and admits again when one finishes', () => {
    const gates = limiter();
    const policy = { rateLimitPerS: 1000, maxInFlight: 2 };
    const first = gates.tryAdmit('c1', policy);
    const second = gates.tryAdmit('c1', policy);
    expect(gates.tryAdmit('c1', policy).admitted).toBe(false);
    if (!first.admitted || !second.admitted) throw new Error('expected two admissions');
    first.release();
    first.release(); // releasing twice frees one slot only
    expect(gates.tryAdmit('c1', policy).admitted).toBe(true);
    expect(gates.tryAdmit('c1', policy).admitted).toBe(false);
  });

  it('limits each connection on its own', () => {
    const gates = limiter();
    const policy = { rateLimitPerS: 1, maxInFlight: 1 };
    expect(gates.tryAdmit('c1', policy).admitted).toBe(true);
    expect(gates.tryAdmit('c2', policy).admitted).toBe(true);
    expect(gates.tryAdmit('c1', policy).admitted).toBe(false);
  });

  it('waits for a slot freed within the wait, and gives up after it', async () => {
    const gates = new ConnectionLimiter();
    const policy = { rateLimitPerS: 1000, maxInFlight: 1 };
    const held = gates.tryAdmit('c1', policy);
    if (!held.admitted) throw new Error('expected an admission');
    const waiting = gates.admit('c1', policy, 5_000);
    held.release();
    const admission = await waiting;
    expect(admission.admitted).toBe(true);
    const refused = await gates.admit('c1', policy, 20);
    expect(refused.admitted).toBe(false);
  });
});
