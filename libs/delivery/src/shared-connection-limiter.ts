import { Admission, AdmissionWait, burstOf, ConnectionAdmitter, LimitPolicy, stallRetryMs } from './connection-limiter';

/** A connection's limits as the shared gate keeps them. */
export interface GateLimits {
  rate: number;
  burst: number;
  maxInFlight: number;
  leaseMs: number;
}

/**
 * What the gate answers one connection's question: the leases granted; none: when to ask again,
 * and how long ago any process was last granted one (the connection's progress across the cluster).
 */
export interface GateAnswer {
  leaseIds: string[];
  retryInMs: number;
  full: boolean;
  msSinceGrant?: number;
}

/** Where the cluster's buckets and leases live: `ConnectionGateRepository` (PostgreSQL) is one. */
export interface SharedGate {
  /**
   * For each question, up to `want` leases of its key (a token and an in-flight slot each), all
   * in one round trip, after ending the leases in `release` (of any key).
   */
  takeMany(
    questions: Array<{ key: string; want: number; limits: GateLimits }>,
    release: string[],
  ): Promise<GateAnswer[]>;
  /** Ends these leases: their in-flight slots are free for every process. */
  release(leaseIds: string[]): Promise<void>;
}

/** How long a request may hold its in-flight slot beyond its timeout (an OAuth token fetch, a resend). */
const LEASE_MARGIN_MS = 5_000;
/** Without a timeout to go by. */
const DEFAULT_LEASE_MS = 60_000;
/** Every slot taken: how soon to ask the gate again when no local request finished meanwhile. */
const FULL_POLL_MS = 50;
/** Leases asked for at once: the requests waiting in this process, up to this many. */
const MOST_AT_ONCE = 64;
/**
 * How long a finished request's lease may wait for a question to the gate to carry it back, when
 * no request of this process waits for its connection (a waiting one asks at once). Other
 * processes see the slot taken this much longer; one statement of its own is saved.
 */
const RELEASE_DELAY_MS = 10;

interface Waiter {
  since: number;
  wait: AdmissionWait;
  resolve: (admission: Admission) => void;
  reject: (error: unknown) => void;
}

interface KeyQueue {
  waiters: Waiter[];
  running: boolean;
  /**
   * Last time the connection was seen to progress: a lease granted to any process (as the gate
   * tells), or a request of this process finished.
   */
  progressAt: number;
  /** Ends the current wait early: a request of this process finished, a slot may be free. */
  wake: (() => void) | undefined;
}

/**
 * A connection's `rate_limit_per_s` and `max_in_flight` across every dispatcher process
 * (decision 0022): each admission takes a token and an in-flight lease from the shared gate.
 * Within a process, the requests waiting for one connection queue up in order and one question
 * asks the gate for all of them, so a busy connection costs the database one round trip per
 * batch of requests, and one at its limit one per token or per poll, not one per waiting request.
 */
export class SharedConnectionLimiter implements ConnectionAdmitter {
  private readonly queues = new Map<string, KeyQueue>();
  /** Leases whose requests finished, waiting for the next release statement, with their keys. */
  private releasing: Array<{ key: string; leaseId: string }> = [];
  /** A release statement is in flight, or one is due within `RELEASE_DELAY_MS`. */
  private releaseBusy = false;
  /** Questions for the next statement to the gate, asked in this turn of the event loop. */
  private asking: Array<{
    question: { key: string; want: number; limits: GateLimits };
    resolve: (answer: GateAnswer) => void;
    reject: (error: unknown) => void;
  }> = [];

  constructor(
    private readonly gate: SharedGate,
    private readonly now: () => number = Date.now,
    private readonly onReleaseError: (error: unknown) => void = () => undefined,
  ) {}

  /**
   * The rule of `ConnectionLimiter` (decision 0028): a request waits while its connection makes
   * progress (here: leases granted to any process, or requests of this one finishing) and for a
   * token only if it comes within `stallMs`, never past `until`.
   */
  admit(key: string, policy: LimitPolicy, wait: AdmissionWait): Promise<Admission> {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { waiters: [], running: false, progressAt: this.now(), wake: undefined };
      this.queues.set(key, queue);
    }
    const admission = new Promise<Admission>((resolve, reject) =>
      queue.waiters.push({ since: this.now(), wait, resolve, reject }),
    );
    if (!queue.running) {
      queue.running = true;
      // After this tick: the requests that come in the same tick are asked for together.
      queueMicrotask(() => void this.serve(key, queue, policy));
    }
    return admission;
  }

  /** Asks the gate for the queue's first request until the queue is empty. */
  private async serve(key: string, queue: KeyQueue, policy: LimitPolicy): Promise<void> {
    const limits = {
      rate: policy.rateLimitPerS,
      burst: burstOf(policy.rateLimitPerS),
      maxInFlight: policy.maxInFlight,
      leaseMs: policy.timeoutMs === undefined ? DEFAULT_LEASE_MS : 2 * policy.timeoutMs + LEASE_MARGIN_MS,
    };
    try {
      while (queue.waiters.length > 0) {
        let answer;
        try {
          answer = await this.ask({ key, want: Math.min(queue.waiters.length, MOST_AT_ONCE), limits });
        } catch (error) {
          // The gate cannot answer (PostgreSQL away): nobody is admitted; their attempts fail and are retried.
          for (const waiter of queue.waiters.splice(0)) waiter.reject(error);
          return;
        }
        if (answer.leaseIds.length > 0) {
          queue.progressAt = this.now();
          for (const leaseId of answer.leaseIds) this.admitFirst(key, queue, leaseId);
          continue;
        }
        const waitMs = answer.full ? FULL_POLL_MS : Math.max(1, answer.retryInMs);
        const now = this.now();
        // Every slot may be another process's: its grants are this connection's progress too.
        if (answer.msSinceGrant !== undefined) queue.progressAt = Math.max(queue.progressAt, now - answer.msSinceGrant);
        const tokenGapMs = 1000 / policy.rateLimitPerS;
        // Those who cannot be admitted within their wait are told at once, and defer: when full,
        // after `stallMs` without progress; waiting for tokens, when theirs (one per request
        // ahead) comes too late.
        let position = 0;
        queue.waiters = queue.waiters.filter((waiter) => {
          const tokenInMs = answer.retryInMs + position * tokenGapMs;
          const late = answer.full
            ? now >= waiter.wait.until || now - Math.max(waiter.since, queue.progressAt) >= waiter.wait.stallMs
            : tokenInMs > waiter.wait.stallMs || now + tokenInMs > waiter.wait.until;
          if (late) waiter.resolve({ admitted: false, retryInMs: answer.full ? stallRetryMs(policy) : tokenInMs });
          else position += 1;
          return !late;
        });
        if (queue.waiters.length > 0) await this.pause(queue, waitMs);
      }
    } finally {
      queue.wake = undefined;
      if (queue.waiters.length === 0) {
        queue.running = false;
        this.queues.delete(key);
      } else void this.serve(key, queue, policy);
    }
  }

  /**
   * Questions go to the gate together: every connection's asked in the same turn of the event
   * loop, with the leases finished by then, in one statement (one per connection was one per
   * delivery when a chunk's deliveries went to a thousand tenants' connections).
   */
  private ask(question: { key: string; want: number; limits: GateLimits }): Promise<GateAnswer> {
    return new Promise((resolve, reject) => {
      this.asking.push({ question, resolve, reject });
      if (this.asking.length === 1) setImmediate(() => void this.askAll());
    });
  }

  private async askAll(): Promise<void> {
    const asked = this.asking.splice(0);
    const released = this.releasing.splice(0);
    let answers: GateAnswer[];
    try {
      answers = await this.gate.takeMany(
        asked.map(({ question }) => question),
        released.map(({ leaseId }) => leaseId),
      );
    } catch (error) {
      if (released.length > 0) this.onReleaseError(error);
      for (const { reject } of asked) reject(error);
      return;
    }
    this.progressOf(released);
    asked.forEach(({ resolve }, index) => resolve(answers[index]!));
  }

  private admitFirst(key: string, queue: KeyQueue, leaseId: string): void {
    const waiter = queue.waiters.shift();
    if (!waiter) {
      this.releaseLater(key, leaseId);
      return;
    }
    let released = false;
    waiter.resolve({
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.releaseLater(key, leaseId);
      },
    });
  }

  /**
   * Releases go to the gate together: the leases of every request that finished while the last
   * statement was on its way, in one statement (one per request cost the database more than the
   * rest of a delivery's statements together). When requests of this process wait for a slot of a
   * connection whose lease is among them, that connection's next question to the gate carries
   * them instead (one round trip for both). Should a release be lost, the lease expires after
   * the request's timeout.
   */
  private releaseLater(key: string, leaseId: string): void {
    this.releasing.push({ key, leaseId });
    const queue = this.queues.get(key);
    // A waiter of the connection asks at once, after this turn (so the requests that finish in
    // the same turn go back together); its question carries the lease.
    if (queue?.wake) setImmediate(() => queue.wake?.());
    if (this.releaseBusy) return;
    this.releaseBusy = true;
    // Otherwise the next question to the gate (requests of this process keep coming) may carry
    // it; whatever no question took by then gets a statement of its own, so a lease never waits
    // longer than this for other processes to see its slot free.
    setTimeout(() => void this.releaseAll(), RELEASE_DELAY_MS);
  }

  private async releaseAll(): Promise<void> {
    while (this.releasing.length > 0) {
      const batch = this.releasing.splice(0);
      try {
        await this.gate.release(batch.map(({ leaseId }) => leaseId));
      } catch (error) {
        this.onReleaseError(error);
        continue;
      }
      this.progressOf(batch);
    }
    this.releaseBusy = false;
  }

  /** Released leases are their connections' progress: those of their waiters that pause ask again. */
  private progressOf(released: Array<{ key: string }>): void {
    if (released.length === 0) return;
    const now = this.now();
    for (const key of new Set(released.map((lease) => lease.key))) {
      const queue = this.queues.get(key);
      if (!queue) continue;
      queue.progressAt = now;
      queue.wake?.();
    }
  }

  private pause(queue: KeyQueue, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        queue.wake = undefined;
        resolve();
      }
      queue.wake = done;
    });
  }
}
