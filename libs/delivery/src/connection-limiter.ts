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

export const DEFAULT_RATE_LIMIT_PER_S = 50;
export const DEFAULT_MAX_IN_FLIGHT = 10;

export type Admission = { admitted: true; release: () => void } | { admitted: false; retryInMs: number };

/** An admission whose `release` frees its slot once, however often a caller calls it. */
export function admittedOnce(free: () => void): Admission {
  let released = false;
  return {
    admitted: true,
    release: () => {
      if (released) return;
      released = true;
      free();
    },
  };
}

/** How long a request may wait for its connection's limits (decision 0028). */
export interface AdmissionWait {
  /**
   * Gives up once the connection has made no progress for this long while the request waits: no
   * request of it finished and none was admitted. A receiver that stopped answering is waited for
   * no longer than this.
   */
  stallMs: number;
  /** Gives up at this time (epoch ms), however the connection progresses: the hard cap. */
  until: number;
}

/** Time as the limiter needs it: now, and a timer it can cancel. */
export interface LimiterTimers {
  now(): number;
  /** Runs `run` after `ms`; answers a function that cancels it. */
  after(ms: number, run: () => void): () => void;
}

/** The process's own time: a timer's callback waits for I/O already received (see `after`). */
export const SYSTEM_TIMERS: LimiterTimers = {
  now: () => Date.now(),
  after: (ms, run) => {
    // When the event loop was blocked, timers run before the I/O that arrived meanwhile; waiting
    // for `setImmediate` lets the responses that came in free their slots before a waiter
    // concludes that its connection made no progress.
    let immediate: NodeJS.Immediate | undefined;
    const timer = setTimeout(() => (immediate = setImmediate(run)), ms);
    return () => {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
    };
  },
};

/** Admits requests to connections within their limits: in this process, or across the cluster. */
export interface ConnectionAdmitter {
  /**
   * Admits the request once its connection has room, in arrival order. Not admitted within the
   * wait's limits, the caller defers it (to a retry topic) instead of holding up deliveries to
   * other receivers behind this one.
   */
  admit(key: string, policy: LimitPolicy, wait: AdmissionWait): Promise<Admission>;
}

/**
 * When a full connection would have room again nobody can say: a retry after a short while.
 * Shared by both admitters, so a deferral's due time does not depend on where limits are kept.
 */
export function stallRetryMs(policy: LimitPolicy): number {
  return Math.max(100, Math.ceil(1000 / policy.rateLimitPerS));
}

interface Waiter {
  since: number;
  wait: AdmissionWait;
  resolve: (admission: Admission) => void;
  cancelTimer: () => void;
  /** Still in its gate's queue. */
  queued: boolean;
}

interface Gate {
  tokens: number;
  refilledAt: number;
  inFlight: number;
  /** Last time a request of the connection finished or was admitted. */
  progressAt: number;
  /** Requests waiting, served first come, first served. */
  queue: Waiter[];
  /** Wakes the queue when the next token comes, while its head waits for one. */
  cancelTokenTimer?: () => void;
}

/**
 * Per-connection protection of receivers within one process: a token bucket of `rateLimitPerS`
 * (holding `burstOf` tokens) and at most `maxInFlight` requests at once. Requests wait in arrival
 * order, so a wait is bounded by the connection's pace and nobody is overtaken. The dispatcher
 * keeps the limits across the cluster with `SharedConnectionLimiter` (decision 0022); this one is
 * its in-memory twin (the dispatcher's fast tests) and the rule it follows.
 */
export class ConnectionLimiter implements ConnectionAdmitter {
  private readonly gates = new Map<string, Gate>();
  private readonly timers: LimiterTimers;

  constructor(timers: LimiterTimers | (() => number) = SYSTEM_TIMERS) {
    this.timers = typeof timers === 'function' ? { ...SYSTEM_TIMERS, now: timers } : timers;
  }

  /** Admits one request at once, or says how long until one could be. */
  tryAdmit(key: string, policy: LimitPolicy): Admission {
    const gate = this.gate(key, policy);
    if (gate.queue.length > 0 || gate.inFlight >= policy.maxInFlight) return { admitted: false, retryInMs: 0 };
    if (gate.tokens < 1) return { admitted: false, retryInMs: this.msToTokens(gate, policy, 1) };
    return this.grant(key, gate, policy);
  }

  /**
   * A wait for tokens is known in advance: when the connection's rate gives this request its
   * token only after `stallMs` (or after `until`), it is refused at once.
   */
  admit(key: string, policy: LimitPolicy, wait: AdmissionWait): Promise<Admission> {
    const now = this.timers.now();
    const gate = this.gate(key, policy);
    const admitted = this.tryAdmit(key, policy);
    if (admitted.admitted) return Promise.resolve(admitted);
    // Tokens this request needs: one for each request ahead of it, and its own.
    const tokenInMs = this.msToTokens(gate, policy, gate.queue.length + 1);
    if (tokenInMs > wait.stallMs || now + tokenInMs > wait.until || now >= wait.until)
      return Promise.resolve({ admitted: false, retryInMs: tokenInMs > 0 ? tokenInMs : stallRetryMs(policy) });
    return new Promise((resolve) => {
      const waiter: Waiter = { since: now, wait, resolve, cancelTimer: () => undefined, queued: true };
      gate.queue.push(waiter);
      this.watch(key, gate, policy, waiter);
      this.serve(key, gate, policy);
    });
  }

  /** Admits waiting requests from the head of the queue while the connection has room. */
  private serve(key: string, gate: Gate, policy: LimitPolicy): void {
    this.refill(gate, policy);
    while (gate.queue.length > 0 && gate.inFlight < policy.maxInFlight) {
      if (gate.tokens < 1) {
        if (!gate.cancelTokenTimer) {
          gate.cancelTokenTimer = this.timers.after(this.msToTokens(gate, policy, 1), () => {
            gate.cancelTokenTimer = undefined;
            this.serve(key, gate, policy);
          });
        }
        return;
      }
      const waiter = gate.queue.shift()!;
      waiter.queued = false;
      waiter.cancelTimer();
      waiter.resolve(this.grant(key, gate, policy));
    }
  }

  /** Refuses a waiter once its connection made no progress for `stallMs`, or at its `until`. */
  private watch(key: string, gate: Gate, policy: LimitPolicy, waiter: Waiter): void {
    const { stallMs, until } = waiter.wait;
    const deadline = Math.min(until, Math.max(waiter.since, gate.progressAt) + stallMs);
    waiter.cancelTimer = this.timers.after(Math.max(0, deadline - this.timers.now()), () => {
      const now = this.timers.now();
      if (!waiter.queued) return;
      if (now < until && now - Math.max(waiter.since, gate.progressAt) < stallMs) {
        this.watch(key, gate, policy, waiter);
        return;
      }
      gate.queue.splice(gate.queue.indexOf(waiter), 1);
      waiter.queued = false;
      waiter.resolve({ admitted: false, retryInMs: stallRetryMs(policy) });
      this.serve(key, gate, policy);
    });
  }

  private grant(key: string, gate: Gate, policy: LimitPolicy): Admission {
    gate.tokens -= 1;
    gate.inFlight += 1;
    gate.progressAt = this.timers.now();
    return admittedOnce(() => {
      gate.inFlight -= 1;
      gate.progressAt = this.timers.now();
      this.serve(key, gate, policy);
    });
  }

  private msToTokens(gate: Gate, policy: LimitPolicy, tokens: number): number {
    this.refill(gate, policy);
    return gate.tokens >= tokens ? 0 : Math.ceil(((tokens - gate.tokens) / policy.rateLimitPerS) * 1000);
  }

  private gate(key: string, policy: LimitPolicy): Gate {
    let gate = this.gates.get(key);
    if (!gate) {
      const now = this.timers.now();
      gate = { tokens: burstOf(policy.rateLimitPerS), refilledAt: now, inFlight: 0, progressAt: now, queue: [] };
      this.gates.set(key, gate);
    }
    this.refill(gate, policy);
    return gate;
  }

  private refill(gate: Gate, policy: LimitPolicy): void {
    const now = this.timers.now();
    const elapsedS = Math.max(0, now - gate.refilledAt) / 1000;
    gate.tokens = Math.min(burstOf(policy.rateLimitPerS), gate.tokens + elapsedS * policy.rateLimitPerS);
    gate.refilledAt = now;
  }
}
