/** Time, as an input: the dispatcher schedules retries, deferrals and leases by it. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** Chance, as an input: the jitter of retry waits. Answers a number in [0, 1). */
export type RandomSource = () => number;

export const CLOCK = Symbol('Clock');
export const RANDOM_SOURCE = Symbol('RandomSource');

export const SYSTEM_CLOCK: Clock = { now: () => Date.now() };
export const SYSTEM_RANDOM: RandomSource = () => Math.random();
