import { SYSTEM_TIMERS } from '@flowline/delivery';

/** Time, as an input: the dispatcher schedules retries, deferrals and leases by it, and waits for connections. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `run` after `ms` (a connection's limits time waiting requests out); answers a function that cancels it. */
  after(ms: number, run: () => void): () => void;
}

/** Chance, as an input: the jitter of retry waits. Answers a number in [0, 1). */
export type RandomSource = () => number;

export const CLOCK = Symbol('Clock');
export const RANDOM_SOURCE = Symbol('RandomSource');

export const SYSTEM_CLOCK: Clock = SYSTEM_TIMERS;
export const SYSTEM_RANDOM: RandomSource = () => Math.random();
