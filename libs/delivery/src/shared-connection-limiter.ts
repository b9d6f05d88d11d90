import { randomUUID } from 'node:crypto';
import { Admission, AdmissionWait, burstOf, ConnectionAdmitter, LimitPolicy, stallRetryMs } from './connection-limiter';

/** A connection's limits as the shared gate keeps them. */
export interface GateLimits {
  rate: number;
  burst: number;
  maxInFlight: number;
  /** How long the gate counts a process's requests without hearing from it (a killed process's lapse). */
  leaseMs: number;
}

/**
 * One connection's question from a process: how many requests it holds in flight for the
 * connection now (finished ones no longer counted), and how many more it wants (0: it only tells).
 */
export interface GateQuestion {
  key: string;
  holding: number;
  want: number;
  limits: GateLimits;
}

/**
 * What the gate answers one question: how many were granted; none: when to ask again, and how
 * long ago any process was last granted one (the connection's progress across the cluster).
 */
export interface GateAnswer {
  granted: number;
  retryInMs: number;
  full: boolean;
  msSinceGrant?: number;
}

/** Where the cluster's buckets and in-flight counts live: `ConnectionGateRepository` (PostgreSQL) is one. */
export interface SharedGate {
  /**
   * Every question of one process (`holder`), one per key, in one round trip: each sets what the
   * holder has in flight for its key and takes up to `want` more (a token and a slot each).
   */
  admit(holder: string, questions: readonly GateQuestion[]): Promise<GateAnswer[]>;
}

/** How long a request may hold its in-flight slot beyond its timeout (an OAuth token fetch, a resend). */
const LEASE_MARGIN_MS = 5_000;
/** Without a timeout to go by. */
const DEFAULT_LEASE_MS = 60_000;
/** Every slot taken: how soon to ask the gate again when no local request finished meanwhile. */
const FULL_POLL_MS = 50;
/** Slots asked for at once: the requests waiting in this process, up to this many. */
const MOST_AT_ONCE = 64;
/**
 * How long a finished request may wait for a question to the gate to tell it, when no request of
 * this process waits for its connection (a waiting one asks at once). Other processes see the
 * slot taken this much longer; one statement of its own is saved.
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
   * Last time the connection was seen to progress: a slot granted to any process (as the gate
   * tells), or a request of this process finished.
   */
  progressAt: number;
  /** Ends the current wait early: a request of this process finished, a slot may be free. */
  wake: (() => void) | undefined;
}

/** This process's requests in flight for one connection, as the gate was (or is to be) told. */
interface Held {
  count: number;
  limits: GateLimits;
}

/**
 * A connection's `rate_limit_per_s` and `max_in_flight` across every dispatcher process
 * (decision 0022): each admission takes a token and an in-flight slot from the shared gate,
 * which counts each process's slots per connection (decision 0031). Within a process, the
 * requests waiting for one connection queue up in order and one question asks the gate for all
 * of them; the questions of every connection go in one statement, with the counts of the
 * connections whose requests finished, and one statement at a time: each tells the gate what
 * this process holds now, so a lost answer or a failed statement heals with the next.
 */
export class SharedConnectionLimiter implements ConnectionAdmitter {
  private readonly queues = new Map<string, KeyQueue>();
  /** Requests in flight in this process, by connection. */
  private readonly held = new Map<string, Held>();
  /** Connections whose requests finished since the last statement told the gate. */
  private readonly untold = new Set<string>();
  /** Questions for the next statement to the gate. */
  private asking: Array<{
    question: { key: string; want: number; limits: GateLimits };
    resolve: (answer: GateAnswer) => void;
    reject: (error: unknown) => void;
  }> = [];
  /** A statement is in flight: it sends the next once it returns. */
  private statementBusy = false;
  private statementDue: 'now' | 'later' | undefined;

  constructor(
    private readonly gate: SharedGate,
    private readonly now: () => number = Date.now,
    private readonly onReleaseError: (error: unknown) => void = () => undefined,
    /** This process, to the gate: its row per connection counts its requests in flight. */
    private readonly holder: string = randomUUID(),
  ) {}

  /**
   * The rule of `ConnectionLimiter` (decision 0028): a request waits while its connection makes
   * progress (here: slots granted to any process, or requests of this one finishing) and for a
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
        if (answer.granted > 0) {
          queue.progressAt = this.now();
          for (let slot = 0; slot < answer.granted; slot += 1) this.admitFirst(key, queue);
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
   * Questions go to the gate together: every connection's asked while the last statement was on
   * its way or in this turn of the event loop, in one statement (one per connection was one per
   * delivery when a chunk's deliveries went to a thousand tenants' connections).
   */
  private ask(question: { key: string; want: number; limits: GateLimits }): Promise<GateAnswer> {
    return new Promise((resolve, reject) => {
      this.asking.push({ question, resolve, reject });
      this.sendSoon('now');
    });
  }

  /** The next statement: after this turn (`now`), or within `RELEASE_DELAY_MS` (`later`). */
  private sendSoon(due: 'now' | 'later'): void {
    // A statement on its way sends the next when it returns; one due as soon or sooner suffices.
    if (this.statementBusy || this.statementDue === 'now' || this.statementDue === due) return;
    this.statementDue = due;
    const send = () => {
      if (this.statementDue !== due) return;
      this.statementDue = undefined;
      void this.send();
    };
    if (due === 'now') setImmediate(send);
    else setTimeout(send, RELEASE_DELAY_MS);
  }

  private async send(): Promise<void> {
    if (this.statementBusy) return;
    this.statementBusy = true;
    try {
      while (this.asking.length > 0 || this.untold.size > 0) {
        const asked = this.asking.splice(0);
        const told = [...this.untold];
        this.untold.clear();
        const askedKeys = new Set(asked.map(({ question }) => question.key));
        const questions: GateQuestion[] = [
          ...asked.map(({ question }) => ({ ...question, holding: this.held.get(question.key)?.count ?? 0 })),
          ...told.flatMap((key) => {
            const held = this.held.get(key);
            return askedKeys.has(key) || !held ? [] : [{ key, holding: held.count, want: 0, limits: held.limits }];
          }),
        ];
        let answers: GateAnswer[];
        try {
          answers = await this.gate.admit(this.holder, questions);
        } catch (error) {
          // The counts told are lost: the next question of each connection tells them again, or
          // the rows lapse after the requests' timeout.
          if (told.length > 0) this.onReleaseError(error);
          for (const { reject } of asked) reject(error);
          continue;
        }
        asked.forEach(({ question, resolve }, index) => {
          const granted = answers[index]!.granted;
          if (granted > 0) {
            const held = this.held.get(question.key);
            if (held) held.count += granted;
            else this.held.set(question.key, { count: granted, limits: question.limits });
          }
          resolve(answers[index]!);
        });
        for (const key of told) if (this.held.get(key)?.count === 0) this.held.delete(key);
        this.progressOf(told);
      }
    } finally {
      this.statementBusy = false;
    }
  }

  private admitFirst(key: string, queue: KeyQueue): void {
    const waiter = queue.waiters.shift();
    if (!waiter) {
      this.releaseSlot(key);
      return;
    }
    let released = false;
    waiter.resolve({
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.releaseSlot(key);
      },
    });
  }

  /**
   * A finished request frees its slot in this process's count; the gate hears of it with the
   * next statement. When requests of this process wait for the connection, its next question
   * tells it (one round trip for both); otherwise a statement goes within `RELEASE_DELAY_MS`,
   * carrying every count that changed meanwhile.
   */
  private releaseSlot(key: string): void {
    const held = this.held.get(key);
    if (held) held.count = Math.max(0, held.count - 1);
    this.untold.add(key);
    const queue = this.queues.get(key);
    // A waiter of the connection asks at once, after this turn (so the requests that finish in
    // the same turn are told together).
    if (queue?.wake) setImmediate(() => queue.wake?.());
    else this.sendSoon('later');
  }

  /** Slots told free are their connections' progress: those of their waiters that pause ask again. */
  private progressOf(keys: readonly string[]): void {
    if (keys.length === 0) return;
    const now = this.now();
    for (const key of keys) {
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
