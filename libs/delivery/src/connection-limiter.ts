/** How hard one connection's receiver may be driven (docs/CONTRACT.md §4). */
export interface LimitPolicy {
  rateLimitPerS: number;
  maxInFlight: number;
  /** The connection's request timeout: bounds how long an admission can stay in flight. */
  timeoutMs?: number;
}

/**
 * Tokens a connection's bucket holds at most: a fiftieth of a second's worth (at least one). So
 * in any one-second window of admissions there are at most `rateLimitPerS` plus this burst
 * (51 at 50/s), however bursty the traffic (a bucket of a whole second's worth would allow twice
 * the rate); the rest of a receiver's margin (55 at 50/s) is for the jitter between admission
 * and arrival, which bunches requests admitted apart.
 */
export function burstOf(rateLimitPerS: number): number {
  return Math.max(1, Math.ceil(rateLimitPerS / 50));
}

/** Admits requests to connections within their limits: in this process, or across the cluster. */
export interface ConnectionAdmitter {
  /**
   * Waits up to `maxWaitMs` for admission. Not admitted by then, the caller defers the request
   * (to a retry topic) instead of holding up deliveries to other receivers behind this one.
   */
  admit(key: string, policy: LimitPolicy, maxWaitMs: number): Promise<Admission>;
}

export const DEFAULT_RATE_LIMIT_PER_S = 50;
export const DEFAULT_MAX_IN_FLIGHT = 10;

export type Admission = { admitted: true; release: () => void } | { admitted: false; retryInMs: number };

interface Gate {
  tokens: number;
  refilledAt: number;
  inFlight: number;
  /** Resolved, one at a time, as requests in flight finish. */
  waiters: Array<() => void>;
}

/**
 * Per-connection protection of receivers within one process: a token bucket of `rateLimitPerS`
 * (holding `burstOf` tokens) and at most `maxInFlight` requests at once. The dispatcher keeps
 * the limits across the cluster with `SharedConnectionLimiter`; this one is its in-memory twin
 * (the dispatcher's fast tests) and the rule it follows.
 */
export class ConnectionLimiter implements ConnectionAdmitter {
  private readonly gates = new Map<string, Gate>();

  /**
   * `sleep` waits for the next token: time is an input, so a test on a manual clock passes one
   * that moves its clock (with real timers and a clock that stands still, it would wait forever).
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = delay,
  ) {}

  /** Admits one request at once, or says how long until one could be. */
  tryAdmit(key: string, policy: LimitPolicy): Admission {
    const gate = this.gate(key, policy);
    if (gate.inFlight >= policy.maxInFlight) return { admitted: false, retryInMs: 0 };
    if (gate.tokens < 1)
      return { admitted: false, retryInMs: Math.ceil(((1 - gate.tokens) / policy.rateLimitPerS) * 1000) };
    gate.tokens -= 1;
    gate.inFlight += 1;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        gate.inFlight -= 1;
        gate.waiters.shift()?.();
      },
    };
  }

  async admit(key: string, policy: LimitPolicy, maxWaitMs: number): Promise<Admission> {
    const deadline = this.now() + maxWaitMs;
    for (;;) {
      const admission = this.tryAdmit(key, policy);
      if (admission.admitted) return admission;
      const left = deadline - this.now();
      const gate = this.gate(key, policy);
      const full = gate.inFlight >= policy.maxInFlight;
      // When full, nobody can say when a slot frees: try again after a short while.
      const retryInMs = full ? Math.max(100, Math.ceil(1000 / policy.rateLimitPerS)) : admission.retryInMs;
      if (left <= 0 || (!full && retryInMs > left)) return { admitted: false, retryInMs };
      await (full ? this.slotFreed(gate, left) : this.sleep(retryInMs));
    }
  }

  private slotFreed(gate: Gate, maxWaitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const index = gate.waiters.indexOf(wake);
        if (index >= 0) gate.waiters.splice(index, 1);
        resolve();
      }, maxWaitMs);
      gate.waiters.push(wake);
    });
  }

  private gate(key: string, policy: LimitPolicy): Gate {
    const now = this.now();
    let gate = this.gates.get(key);
    if (!gate) {
      gate = { tokens: burstOf(policy.rateLimitPerS), refilledAt: now, inFlight: 0, waiters: [] };
      this.gates.set(key, gate);
      return gate;
    }
    const elapsedS = Math.max(0, now - gate.refilledAt) / 1000;
    gate.tokens = Math.min(burstOf(policy.rateLimitPerS), gate.tokens + elapsedS * policy.rateLimitPerS);
    gate.refilledAt = now;
    return gate;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
