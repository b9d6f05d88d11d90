import { recoveryBatchSize, recoveryProgress } from './recovery-pace';

describe('a recovery job’s pace', () => {
  it.each([
    // rate/s, outstanding, remaining → handed now
    [50, 0, 2000, 50],
    [50, 60, 2000, 40],
    [50, 100, 2000, 0],
    [50, 500, 2000, 0],
    [1000, 0, 2000, 1000],
    [1000, 0, 300, 300],
    [0.5, 0, 10, 1],
    [10, 0, 0, 0],
  ])('at %d/s with %d waiting and %d left, hands %d', (rate, outstanding, remaining, expected) => {
    expect(recoveryBatchSize(rate, outstanding, remaining)).toBe(expected);
  });
});

describe('a recovery job’s progress', () => {
  it.each([
    [{ matched: 0, position: 0, submitted: 0, delivered: 0, failedAgain: 0 }, 100],
    [{ matched: 2000, position: 1000, submitted: 1000, delivered: 500, failedAgain: 0 }, 25],
    [{ matched: 2000, position: 2000, submitted: 1990, delivered: 1980, failedAgain: 10 }, 100],
    [{ matched: 3, position: 3, submitted: 3, delivered: 1, failedAgain: 0 }, 33],
  ])('%o is %d %%', (job, expected) => {
    expect(recoveryProgress(job)).toBe(expected);
  });
});
