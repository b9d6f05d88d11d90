import { ManualTimers, settle } from '@flowline/testing';
import { Admission, burstOf, ConnectionLimiter } from './connection-limiter';

/** What became of a pending admission so far: admitted, refused, or still waiting. */
function track(pending: Promise<Admission>): {
  state: () => 'waiting' | 'admitted' | 'refused';
  admission: () => Admission;
} {
  let settled: Admission | undefined;
  void pending.then((admission) => (settled = admission));
  return {
    state: () => (settled === undefined ? 'waiting' : settled.admitted ? 'admitted' : 'refused'),
    admission: () => settled!,
  };
}

function release(admission: Admission): void {
  if (!admission.admitted) throw new Error('expected an admission');
  admission.release();
}

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

  describe('waiting for a full connection (decision 0028)', () => {
    const policy = { rateLimitPerS: 1000, maxInFlight: 1 };
    const wait = (timers: ManualTimers, capMs = 5_000) => ({ stallMs: 1_000, until: timers.now() + capMs });

    it('waits as long as requests keep finishing, in arrival order, past the stall time', async () => {
      const timers = new ManualTimers(1_000_000);
      const gates = new ConnectionLimiter(timers);
      const inFlight = gates.tryAdmit('c1', policy);
      const [first, second] = [
        track(gates.admit('c1', policy, wait(timers))),
        track(gates.admit('c1', policy, wait(timers))),
      ];
      await timers.advanceSettling(800);
      release(inFlight);
      await settle();
      expect([first.state(), second.state()]).toEqual(['admitted', 'waiting']);
      await timers.advanceSettling(800);
      release(first.admission());
      await settle();
      // 1.6 s after it came, but the connection never stood still for 1 s.
      expect(second.state()).toBe('admitted');
    });

    it('gives up once the connection made no progress for the stall time, with a short retry', async () => {
      const timers = new ManualTimers(1_000_000);
      const gates = new ConnectionLimiter(timers);
      gates.tryAdmit('c1', policy);
      const waiting = track(gates.admit('c1', policy, wait(timers)));
      await timers.advanceSettling(999);
      expect(waiting.state()).toBe('waiting');
      await timers.advanceSettling(1);
      expect(waiting.admission()).toEqual({ admitted: false, retryInMs: 100 });
    });

    it('gives up at its hard cap however the connection progresses', async () => {
      const timers = new ManualTimers(1_000_000);
      const gates = new ConnectionLimiter(timers);
      let inFlight = gates.tryAdmit('c1', policy);
      // Others came first and keep the one slot busy, each finishing within the stall time.
      const ahead = Array.from({ length: 10 }, () => track(gates.admit('c1', policy, wait(timers, 60_000))));
      const starved = track(gates.admit('c1', policy, wait(timers, 2_000)));
      for (const next of ahead) {
        await timers.advanceSettling(500);
        if (starved.state() !== 'waiting') break;
        release(inFlight);
        await settle();
        inFlight = next.admission();
      }
      expect(starved.state()).toBe('refused');
      expect(timers.now()).toBeGreaterThanOrEqual(1_000_000 + 2_000);
    });

    it('a request that comes while others wait queues behind them', async () => {
      const timers = new ManualTimers(1_000_000);
      const gates = new ConnectionLimiter(timers);
      const inFlight = gates.tryAdmit('c1', policy);
      const early = track(gates.admit('c1', policy, wait(timers)));
      release(inFlight);
      const late = track(gates.admit('c1', policy, wait(timers)));
      await settle();
      expect([early.state(), late.state()]).toEqual(['admitted', 'waiting']);
    });

    it("refuses at once a request whose token comes later than the stall time: the connection's rate is known", async () => {
      const timers = new ManualTimers(1_000_000);
      const gates = new ConnectionLimiter(timers);
      const slow = { rateLimitPerS: 2, maxInFlight: 100 };
      // The bucket holds one token: the waiters' tokens are 0.5 s, 1 s and 1.5 s away.
      expect(gates.tryAdmit('c1', slow).admitted).toBe(true);
      const first = track(gates.admit('c1', slow, wait(timers)));
      const second = track(gates.admit('c1', slow, wait(timers)));
      const third = track(gates.admit('c1', slow, wait(timers)));
      await settle();
      expect([first.state(), second.state(), third.state()]).toEqual(['waiting', 'waiting', 'refused']);
      expect(third.admission()).toEqual({ admitted: false, retryInMs: 1_500 });
      await timers.advanceSettling(500);
      expect([first.state(), second.state()]).toEqual(['admitted', 'waiting']);
      await timers.advanceSettling(500);
      expect(second.state()).toBe('admitted');
    });
  });
});
