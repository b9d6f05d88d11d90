import { ConnectionLimiter } from './connection-limiter';

describe('ConnectionLimiter', () => {
  let now = 0;
  const limiter = (): ConnectionLimiter => new ConnectionLimiter(() => now);
  beforeEach(() => {
    now = 1_000_000;
  });

  it('admits a burst of one second at the rate, then tells when the next token comes', () => {
    const gates = limiter();
    const policy = { rateLimitPerS: 5, maxInFlight: 100 };
    const admitted = Array.from({ length: 6 }, () => gates.tryAdmit('c1', policy));
    expect(admitted.map((a) => a.admitted)).toEqual([true, true, true, true, true, false]);
    expect(admitted[5]).toEqual({ admitted: false, retryInMs: 200 });
    now += 200;
    expect(gates.tryAdmit('c1', policy).admitted).toBe(true);
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
