import { randomUUID } from 'node:crypto';
import {
  Admission,
  AdmissionWait,
  admittedOnce,
  burstOf,
  ConnectionAdmitter,
  LimitPolicy,
  stallRetryMs,
} from './connection-limiter';

/** A connection's limits as the shared gate keeps them. */
export interface GateLimits {
  rate: number;
  burst: number;
  maxInFlight: number;
  /** How long the gate counts a process's requests without hearing from it (a killed process's lapse). */
  leaseMs: number;
}

/**
 * One connection's question from a process: how many in-flight slots it keeps for the connection
 * now (its requests in flight, and idle slots kept for requests of its own that wait), how many
 * more it wants (0: it only tells), and how many tokens it takes (decision 0038).
 */
export interface GateQuestion {
  key: string;
  holding: number;
  want: number;
  /** At least `want` (each slot granted takes a token); beyond it, for its next requests on slots it keeps. */
  tokens: number;
  limits: GateLimits;
}

/**
 * What the gate answers one question: the slots granted and the tokens taken (theirs included);
 * whether every slot is now taken; without a token, when the next comes, and how long ago any
 * process was last granted one (the connection's progress across the cluster).
 */
export interface GateAnswer {
  granted: number;
  tokens: number;
  full: boolean;
  retryInMs: number;
  msSinceGrant?: number;
}

/** Where the cluster's buckets and in-flight counts live: `ConnectionGateRepository` (PostgreSQL) is one. */
export interface SharedGate {
  /**
   * Every question of one process (`holder`), one per key, in one round trip: each sets how many
   * slots the holder keeps for its key and takes up to `want` more and up to `tokens` tokens. A
   * question that wants neither only tells: its answer grants nothing and says nothing of the gate.
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
 * How long a slot no request of this process uses stays counted as its own when none of its
 * requests waits for the connection: the gate hears within this long, with every other count that
 * changed meanwhile. Other processes see the slot taken this much longer; a statement per finished
 * request is saved, and a request that comes meanwhile takes the slot without one.
 */
const RELEASE_DELAY_MS = 10;
/**
 * Tokens taken ahead are used within this long of the statement that took them, or dropped: a
 * fiftieth of a second, the bucket's burst (`burstOf`). So any one second of requests holds at
 * most the rate plus twice the burst, beyond what the gate's round trips bunch (decision 0038).
 */
export const TOKEN_HORIZON_MS = 20;
/**
 * How long the requests waiting when an answer arrives have to take its tokens, past the horizon
 * when the round trip was longer: the rest of that statement's answers are handled first.
 */
const ANSWER_GRACE_MS = 5;
/** Tokens taken at once: for the waiting requests and the recent pace, up to this many. */
const MOST_TOKENS_AT_ONCE = 256;

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
   * Last time the connection was seen to progress: a slot or token granted to any process (as the
   * gate tells), or a request of this process admitted or finished.
   */
  progressAt: number;
  /** Ends the current wait early: a request of this process finished, a slot may be free. */
  wake: (() => void) | undefined;
}

/** This process's share of one connection at the gate (decision 0038). */
interface Hold {
  limits: GateLimits;
  /** Slots the gate counts as this process's (or is about to be told): its requests in flight and idle slots it keeps. */
  slots: number;
  /** Requests of this process in flight. */
  busy: number;
  /** Tokens taken ahead, oldest first, each batch usable until its time. */
  stock: Array<{ count: number; until: number }>;
  /** Admissions in the current token horizon (since `paceSince`) and the one before: how many tokens to take ahead. */
  paceSince: number;
  paceNow: number;
  pacePrevious: number;
}

/**
 * A connection's `rate_limit_per_s` and `max_in_flight` across every dispatcher process
 * (decision 0022): each admission takes a token and an in-flight slot from the shared gate,
 * which counts each process's slots per connection (decision 0031). A process keeps its slots
 * while requests of its own wait for them and takes the tokens they will need within the next
 * `TOKEN_HORIZON_MS` in the same statement, so a finished request's slot goes to the next without
 * a statement (decision 0038). Within a process, the requests waiting for one connection queue up
 * in order and one question asks the gate for all of them; the questions of every connection go
 * in one statement, with the counts of the connections whose slots went idle, and one statement
 * at a time: each tells the gate what this process holds now, so a lost answer or a failed
 * statement heals with the next.
 */
export class SharedConnectionLimiter implements ConnectionAdmitter {
  private readonly queues = new Map<string, KeyQueue>();
  /** What this process holds at the gate, by connection. */
  private readonly holds = new Map<string, Hold>();
  /** Connections whose slots went idle since the last statement told the gate. */
  private readonly untold = new Set<string>();
  /** Questions for the next statement to the gate. */
  private asking: Array<{
    question: Omit<GateQuestion, 'holding'>;
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
    /** This process, to the gate: its row per connection counts the slots it holds. */
    private readonly holder: string = randomUUID(),
  ) {}

  /**
   * The rule of `ConnectionLimiter` (decision 0028): a request waits while its connection makes
   * progress (here: grants the gate tells of, or requests of this process admitted or finishing)
   * and for a token only if it comes within `stallMs`, never past `until`. A request nobody of
   * this process waits ahead of takes an idle slot and a token it keeps at once.
   */
  admit(key: string, policy: LimitPolicy, wait: AdmissionWait): Promise<Admission> {
    let queue = this.queues.get(key);
    if (!queue) {
      const admission = this.admitHere(key);
      if (admission) return Promise.resolve(admission);
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

  /** Asks the gate for the queue's requests until the queue is empty. */
  private async serve(key: string, queue: KeyQueue, policy: LimitPolicy): Promise<void> {
    const limits = {
      rate: policy.rateLimitPerS,
      burst: burstOf(policy.rateLimitPerS),
      maxInFlight: policy.maxInFlight,
      leaseMs: policy.timeoutMs === undefined ? DEFAULT_LEASE_MS : 2 * policy.timeoutMs + LEASE_MARGIN_MS,
    };
    const hold = this.holdOf(key, limits);
    try {
      while (queue.waiters.length > 0) {
        if (this.admitWaiting(key, queue) > 0) queue.progressAt = this.now();
        if (queue.waiters.length === 0) break;
        // Nobody could be admitted here: no idle slot, or no token at hand. Idle slots without a
        // token go back with this question, so a process waiting for tokens keeps no slot from
        // the others, and every waiting request (up to MOST_AT_ONCE) asks for a slot with its token.
        this.trimIdle(hold);
        const stock = this.stockOf(hold);
        const want = Math.min(queue.waiters.length, MOST_AT_ONCE);
        const ahead = Math.max(0, Math.min(this.paceOf(hold), MOST_TOKENS_AT_ONCE) - stock);
        let answer;
        try {
          answer = await this.ask({ key, want, tokens: want + ahead, limits });
        } catch (error) {
          // The gate cannot answer (PostgreSQL away): nobody is admitted; their attempts fail and are retried.
          for (const waiter of queue.waiters.splice(0)) waiter.reject(error);
          return;
        }
        const admitted = this.admitWaiting(key, queue);
        // Tokens alone are no progress: a process whose requests all hang keeps asking for them.
        if (answer.granted > 0 || admitted > 0) queue.progressAt = this.now();
        if (queue.waiters.length === 0) continue;
        // Every slot taken (a finished request of this process wakes the wait), or no token yet.
        const full = hold.busy >= hold.slots && answer.full;
        // Granted all it asked for (at most MOST_AT_ONCE a question), and more wait: ask again.
        if (!full && admitted > 0 && answer.retryInMs === 0) continue;
        // Slots it has no token for (one freed while the question was on its way) go back meanwhile.
        if (this.trimIdle(hold)) this.tellSoon(key);
        const waitMs = full ? FULL_POLL_MS : Math.max(1, answer.retryInMs);
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
          const late = full
            ? now >= waiter.wait.until || now - Math.max(waiter.since, queue.progressAt) >= waiter.wait.stallMs
            : tokenInMs > waiter.wait.stallMs || now + tokenInMs > waiter.wait.until;
          if (late) waiter.resolve({ admitted: false, retryInMs: full ? stallRetryMs(policy) : tokenInMs });
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
        // Slots kept for waiters that are gone (deferred, or failed with the gate) go back.
        if (hold.slots > hold.busy) this.tellSoon(key);
        else if (hold.slots === 0 && hold.busy === 0 && !this.untold.has(key)) this.holds.delete(key);
      } else void this.serve(key, queue, policy);
    }
  }

  /** The queue's first requests, admitted on the idle slots and tokens this process keeps. */
  private admitWaiting(key: string, queue: KeyQueue): number {
    let admitted = 0;
    while (queue.waiters.length > 0) {
      const admission = this.admitHere(key);
      if (!admission) break;
      queue.waiters.shift()!.resolve(admission);
      admitted += 1;
    }
    return admitted;
  }

  /** An admission on an idle slot of this process and a token it took ahead, if it has both. */
  private admitHere(key: string): Admission | undefined {
    const hold = this.holds.get(key);
    if (!hold || hold.busy >= hold.slots || !this.takeToken(hold)) return undefined;
    hold.busy += 1;
    return admittedOnce(() => this.finished(key, hold));
  }

  /**
   * A finished request's slot goes to the next request of this process waiting for the
   * connection if a token is at hand; without one, the waiter asks at once and its question
   * tells the gate (one round trip for both). With nobody waiting, the slot stays this process's
   * for up to `RELEASE_DELAY_MS`, then the gate hears of it with every count that changed.
   */
  private finished(key: string, hold: Hold): void {
    hold.busy = Math.max(0, hold.busy - 1);
    const queue = this.queues.get(key);
    if (queue && queue.waiters.length > 0) {
      queue.progressAt = this.now();
      if (this.admitWaiting(key, queue) > 0) return;
      // After this turn: the requests that finish in the same turn are told together.
      if (queue.wake) setImmediate(() => queue.wake?.());
      return;
    }
    this.tellSoon(key);
  }

  private tellSoon(key: string): void {
    this.untold.add(key);
    this.sendSoon('later');
  }

  /**
   * Questions go to the gate together: every connection's asked while the last statement was on
   * its way or in this turn of the event loop, in one statement (one per connection was one per
   * delivery when a chunk's deliveries went to a thousand tenants' connections).
   */
  private ask(question: Omit<GateQuestion, 'holding'>): Promise<GateAnswer> {
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
          ...asked.map(({ question }) => ({ ...question, holding: this.holds.get(question.key)?.slots ?? 0 })),
          ...told.flatMap((key) => {
            const hold = this.holds.get(key);
            if (askedKeys.has(key) || !hold) return [];
            // Idle slots go back unless requests of this process wait for them (their question tells).
            if (!this.queues.has(key)) hold.slots = hold.busy;
            return [{ key, holding: hold.slots, want: 0, tokens: 0, limits: hold.limits }];
          }),
        ];
        const sentAt = this.now();
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
          const answer = answers[index]!;
          const hold = this.holdOf(question.key, question.limits);
          hold.slots += answer.granted;
          // Usable until the horizon, counted from before the gate took them; and while the
          // answer admits the waiting requests, as a slot granted always was.
          if (answer.tokens > 0)
            hold.stock.push({
              count: answer.tokens,
              until: Math.max(sentAt + TOKEN_HORIZON_MS, this.now() + ANSWER_GRACE_MS),
            });
          resolve(answer);
        });
        for (const key of told) {
          const hold = this.holds.get(key);
          if (hold && hold.slots === 0 && hold.busy === 0 && !this.queues.has(key)) this.holds.delete(key);
        }
        this.progressOf(told);
      }
    } finally {
      this.statementBusy = false;
    }
  }

  private holdOf(key: string, limits: GateLimits): Hold {
    let hold = this.holds.get(key);
    if (!hold) {
      hold = { limits, slots: 0, busy: 0, stock: [], paceSince: this.now(), paceNow: 0, pacePrevious: 0 };
      this.holds.set(key, hold);
    } else hold.limits = limits;
    return hold;
  }

  /** Gives up the idle slots no token at hand can use; says whether it gave up any. */
  private trimIdle(hold: Hold): boolean {
    const kept = Math.min(hold.slots, hold.busy + this.stockOf(hold));
    if (kept === hold.slots) return false;
    hold.slots = kept;
    return true;
  }

  /** Takes a token this process took ahead, if one is still usable (on every admission: no sum). */
  private takeToken(hold: Hold): boolean {
    const now = this.now();
    const batch = this.usableBatches(hold, now)[0];
    if (!batch) return false;
    batch.count -= 1;
    this.paceOf(hold, now);
    hold.paceNow += 1;
    return true;
  }

  /** Usable tokens taken ahead. */
  private stockOf(hold: Hold): number {
    return this.usableBatches(hold, this.now()).reduce((sum, batch) => sum + batch.count, 0);
  }

  /** The batches of tokens still usable, oldest first: spent and expired ones are dropped. */
  private usableBatches(hold: Hold, now: number): Hold['stock'] {
    while (hold.stock.length > 0 && (hold.stock[0]!.count === 0 || hold.stock[0]!.until <= now)) hold.stock.shift();
    return hold.stock;
  }

  /** Admissions in the last token horizon or the one before, whichever had more: the tokens to take ahead. */
  private paceOf(hold: Hold, now = this.now()): number {
    const elapsed = now - hold.paceSince;
    if (elapsed >= TOKEN_HORIZON_MS) {
      hold.pacePrevious = elapsed < 2 * TOKEN_HORIZON_MS ? hold.paceNow : 0;
      hold.paceNow = 0;
      hold.paceSince = now;
    }
    return Math.max(hold.paceNow, hold.pacePrevious);
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
