import type { DataSource } from 'typeorm';
import { SequenceStateRepository } from '@flowline/db';
import { testEnvironment, uniqueSuffix } from '@flowline/testing';
import { openDatabase } from './support/database';

/** The relay of stranded completions runs in one detector replica at a time (real PostgreSQL). */
describe('SequenceStateRepository.exclusively', () => {
  let first: DataSource;
  let second: DataSource;

  beforeAll(async () => {
    // Two pools, as two detector replicas would have.
    first = await openDatabase(testEnvironment());
    second = await openDatabase(testEnvironment());
  });

  afterAll(async () => {
    await first?.destroy();
    await second?.destroy();
  });

  it('refuses a second runner while the first holds the lease, and lets the next one in after', async () => {
    const name = `relay-${uniqueSuffix()}`;
    const replicaA = new SequenceStateRepository(first);
    const replicaB = new SequenceStateRepository(second);
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));

    const runA = replicaA.exclusively(name, async () => {
      entered();
      await holding;
    });
    await inside;
    let ranB = false;
    expect(await replicaB.exclusively(name, () => Promise.resolve(void (ranB = true)))).toBe(false);
    expect(ranB).toBe(false);
    release();
    expect(await runA).toBe(true);
    expect(await replicaB.exclusively(name, () => Promise.resolve(void (ranB = true)))).toBe(true);
    expect(ranB).toBe(true);
  });
});
