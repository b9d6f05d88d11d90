import type { Admission } from './connection-limiter';
import {
  GateAnswer,
  GateQuestion,
  SharedConnectionLimiter,
  SharedGate,
  TOKEN_HORIZON_MS,
} from './shared-connection-limiter';

/**
 * A gate with `slots` in-flight slots per connection and `tokens` tokens in all (unlimited unless
 * set), as `flowline_admit_ahead` grants them, which records how it is asked. `elsewhere` slots of
 * each connection are other processes'.
 */
class CountingGate implements SharedGate {
  /** What this process told it holds, by connection, granted ones included. */
  holding = new Map<string, number>();
  elsewhere = 0;
  tokens = Number.POSITIVE_INFINITY;
  asking = 0;
  mostAskingAtOnce = 0;
  /** Questions that wanted slots, and how many each wanted. */
  takes = 0;
  wanted: number[] = [];
  /** Every statement's questions, as asked. */
  statements: GateQuestion[][] = [];
  failWith: Error | undefined;
  /** What the gate says of the last grant when it refuses: another process's, this long ago. */
  msSinceGrant: number | undefined;
  /** How long a statement takes. */
  latencyMs = 1;

  constructor(private readonly slots: number) {}

  async admit(_holder: string, questions: readonly GateQuestion[]): Promise<GateAnswer[]> {
    this.statements.push(questions.map((question) => ({ ...question })));
    this.asking += 1;
    this.mostAskingAtOnce = Math.max(this.mostAskingAtOnce, this.asking);
    await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    this.asking -= 1;
    if (this.failWith) throw this.failWith;
    return questions.map(({ key, holding, want, tokens }) => {
      if (want > 0) {
        this.takes += 1;
        this.wanted.push(want);
      }
      const granted = Math.max(0, Math.min(want, this.slots - this.elsewhere - holding, Math.floor(this.tokens)));
      const extra = holding + granted > 0 ? Math.max(0, Math.min(tokens - want, Math.floor(this.tokens) - granted)) : 0;
      const taken = granted + extra;
      this.tokens -= taken;
      this.holding.set(key, holding + granted);
      const answer = {
        granted,
        tokens: taken,
        full: this.elsewhere + holding + granted >= this.slots,
        retryInMs: tokens === 0 || (taken > 0 && granted >= want) ? 0 : 5,
      };
      if (taken > 0 || want === 0 || this.msSinceGrant === undefined) return answer;
      return { ...answer, msSinceGrant: this.msSinceGrant };
    });
  }

  /** The statements' questions as `key holding+want`. */
  told(): string[][] {
    return this.statements.map((questions) => questions.map(({ key, holding, want }) => `${key} ${holding}+${want}`));
  }
}

const policy = { rateLimitPerS: 1000, maxInFlight: 2, timeoutMs: 1000 };
/** A wait of `ms` without progress, and at most `capMs` in all. */
const waitOf = (ms: number, capMs = ms) => ({ stallMs: ms, until: Date.now() + capMs });
const settle = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SharedConnectionLimiter', () => {
  it("asks the gate for its waiting requests in one question, and with tokens taken ahead hands a finished request's slot to the next without one", async () => {
    const gate = new CountingGate(2);
    // Time stands still: the tokens taken ahead stay usable however late the timers run.
    const now = Date.now();
    const limiter = new SharedConnectionLimiter(gate, () => now);
    const [first, second] = await Promise.all([1, 2].map(() => limiter.admit('c1', policy, waitOf(2_000))));
    const waiting = [limiter.admit('c1', policy, waitOf(2_000)), limiter.admit('c1', policy, waitOf(2_000))];
    await settle(10);
    // Two wanted and granted; then two more wanted with two tokens ahead (the pace of the last
    // 20 ms), and no slot free.
    expect(gate.told()).toEqual([['c1 0+2'], ['c1 2+2']]);
    expect(gate.statements.map((questions) => questions[0]!.tokens)).toEqual([2, 4]);
    const statementsBefore = gate.statements.length;
    if (!first!.admitted || !second!.admitted) throw new Error('expected admissions');
    first!.release();
    first!.release(); // once only
    second!.release();
    expect((await Promise.all(waiting)).every((admission) => admission.admitted)).toBe(true);
    // Each slot went from a finished request to a waiting one, with a token at hand: no statement.
    expect(gate.statements.length).toBe(statementsBefore);
    expect(gate.holding.get('c1')).toBe(2);
  });

  it('tells the gate of requests that finish together in one statement', async () => {
    const gate = new CountingGate(3);
    const limiter = new SharedConnectionLimiter(gate);
    const admissions = await Promise.all([1, 2, 3].map(() => limiter.admit('c1', policy, waitOf(1_000))));
    for (const admission of admissions) if (admission.admitted) admission.release();
    // Nobody waits for the connection: told together, after a short while.
    await settle();
    expect(gate.told()).toEqual([['c1 0+3'], ['c1 0+0']]);
    expect(gate.holding.get('c1')).toBe(0);
    expect((await limiter.admit('c1', policy, waitOf(1_000))).admitted).toBe(true);
  });

  it('without a token at hand, a waiting request asks for a slot, and its question tells what finished: one round trip for both', async () => {
    const gate = new CountingGate(2);
    gate.tokens = 2;
    const limiter = new SharedConnectionLimiter(gate);
    const [first, second] = await Promise.all([1, 2].map(() => limiter.admit('c1', policy, waitOf(2_000))));
    const waiting = limiter.admit('c1', policy, waitOf(2_000));
    await settle(10);
    const statementsBefore = gate.statements.length;
    if (!first!.admitted || !second!.admitted) throw new Error('expected admissions');
    first!.release();
    second!.release();
    gate.tokens = 1;
    expect((await waiting).admitted).toBe(true);
    // Both finished before the question that admitted the waiter: it told the gate it holds none.
    expect(gate.told().slice(statementsBefore)).toEqual([['c1 0+1']]);
    expect(gate.holding.get('c1')).toBe(1);
  });

  it('takes tokens ahead at the pace of its recent admissions, and uses none past the token horizon', async () => {
    const gate = new CountingGate(4);
    let now = Date.now();
    const limiter = new SharedConnectionLimiter(gate, () => now);
    const inFlight = await Promise.all([1, 2, 3, 4].map(() => limiter.admit('c1', policy, waitOf(2_000))));
    const waiting = [limiter.admit('c1', policy, waitOf(2_000)), limiter.admit('c1', policy, waitOf(2_000))];
    await settle(10);
    // Four admitted within the horizon, two waiting: four tokens ahead with the two, no slot free.
    expect(gate.told().at(-1)).toEqual(['c1 4+2']);
    expect(gate.statements.at(-1)![0]!.tokens).toBe(6);
    const statementsBefore = gate.statements.length;
    const release = (admission: Admission | undefined) => {
      if (!admission?.admitted) throw new Error('expected an admission');
      admission.release();
    };
    release(inFlight[0]);
    expect((await waiting[0]!).admitted).toBe(true);
    expect(gate.statements.length).toBe(statementsBefore);
    // Past the horizon the tokens it kept are not used: the next waiter asks, for its slot too.
    now += TOKEN_HORIZON_MS;
    release(inFlight[1]);
    expect((await waiting[1]!).admitted).toBe(true);
    expect(gate.told().slice(statementsBefore)[0]).toEqual(['c1 3+1']);
  });

  it('defers within the stall time when its own requests hang: tokens it takes are no progress', async () => {
    const gate = new CountingGate(1);
    gate.msSinceGrant = 10_000;
    const limiter = new SharedConnectionLimiter(gate);
    // Never released: the receiver does not answer.
    expect((await limiter.admit('c1', policy, waitOf(1_000))).admitted).toBe(true);
    const askedAt = Date.now();
    expect(await limiter.admit('c1', policy, waitOf(150, 5_000))).toEqual({ admitted: false, retryInMs: 100 });
    expect(Date.now() - askedAt).toBeLessThan(1_000);
    // It asked for tokens ahead only while its pace said it could use them.
    expect(gate.statements.filter((questions) => questions[0]!.tokens > questions[0]!.want).length).toBeLessThan(3);
  });

  it('asks for every connection with requests waiting in the same turn in one statement', async () => {
    const gate = new CountingGate(100);
    const limiter = new SharedConnectionLimiter(gate);
    const keys = Array.from({ length: 50 }, (_, index) => `c${index}`);
    const admissions = await Promise.all(keys.map((key) => limiter.admit(key, policy, waitOf(1_000))));
    expect(admissions.every((admission) => admission.admitted)).toBe(true);
    expect(gate.statements.map((questions) => questions.map(({ key }) => key))).toEqual([keys]);
  });

  it('sends one statement at a time: what comes while one is on its way goes in the next', async () => {
    const gate = new CountingGate(10);
    gate.latencyMs = 50;
    const limiter = new SharedConnectionLimiter(gate);
    const first = limiter.admit('c1', policy, waitOf(1_000));
    while (gate.statements.length === 0) await new Promise((resolve) => setImmediate(resolve));
    // The first statement is on its way: these two wait for it, then go together.
    const more = [limiter.admit('c2', policy, waitOf(1_000)), limiter.admit('c3', policy, waitOf(1_000))];
    await Promise.all([first, ...more]);
    expect(gate.told()).toEqual([['c1 0+1'], ['c2 0+1', 'c3 0+1']]);
    expect(gate.mostAskingAtOnce).toBe(1);
  });

  it('tells the gate what it holds again after a statement failed: the count heals', async () => {
    const gate = new CountingGate(2);
    const errors: unknown[] = [];
    const limiter = new SharedConnectionLimiter(gate, Date.now, (error) => errors.push(error));
    const admission = await limiter.admit('c1', policy, waitOf(1_000));
    if (!admission.admitted) throw new Error('expected an admission');
    gate.failWith = new Error('connection terminated');
    admission.release();
    await settle();
    // The statement telling the gate failed: it still counts the finished request.
    expect(errors).toHaveLength(1);
    expect(gate.holding.get('c1')).toBe(1);
    gate.failWith = undefined;
    expect((await limiter.admit('c1', policy, waitOf(1_000))).admitted).toBe(true);
    expect(gate.told().at(-1)).toEqual(['c1 0+1']);
    expect(gate.holding.get('c1')).toBe(1);
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
    gate.elsewhere = 1;
    gate.msSinceGrant = 10;
    const limiter = new SharedConnectionLimiter(gate);
    const waiting = limiter.admit('c1', policy, waitOf(150, 5_000));
    await new Promise((resolve) => setTimeout(resolve, 400));
    gate.elsewhere = 0;
    expect((await waiting).admitted).toBe(true);
  });

  it('defers once no process was granted a slot for the stall time', async () => {
    const gate = new CountingGate(1);
    gate.elsewhere = 1;
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
