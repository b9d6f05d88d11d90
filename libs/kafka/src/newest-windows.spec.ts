import fc from 'fast-check';
import { newestWindows, PartitionRange } from './newest-windows';

const range = (partition: number, start: number, end: number): PartitionRange => ({
  partition,
  start: BigInt(start),
  end: BigInt(end),
});

describe('newestWindows', () => {
  it('reads every record of the period when the budget covers it', () => {
    expect(newestWindows([range(0, 10, 20), range(1, 0, 5)], 100)).toEqual([
      { partition: 0, start: 10n, end: 20n, skipped: 0n },
      { partition: 1, start: 0n, end: 5n, skipped: 0n },
    ]);
  });

  it('reads the newest records of each partition, an equal share each, when the budget is short', () => {
    expect(newestWindows([range(0, 0, 1000), range(1, 500, 1500)], 100)).toEqual([
      { partition: 0, start: 950n, end: 1000n, skipped: 950n },
      { partition: 1, start: 1450n, end: 1500n, skipped: 950n },
    ]);
  });

  it('gives what a short partition does not need to the others', () => {
    expect(newestWindows([range(0, 0, 1000), range(1, 0, 10), range(2, 7, 7)], 100)).toEqual([
      { partition: 0, start: 910n, end: 1000n, skipped: 910n },
      { partition: 1, start: 0n, end: 10n, skipped: 0n },
      { partition: 2, start: 7n, end: 7n, skipped: 0n },
    ]);
  });

  it('reads nothing of a partition whose range is empty or reversed', () => {
    expect(newestWindows([range(0, 30, 20)], 100)).toEqual([{ partition: 0, start: 20n, end: 20n, skipped: 0n }]);
  });

  it('never reads more than the budget, nor outside a range, and skips only what it does not read', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(10_000), fc.nat(10_000)), { minLength: 1, maxLength: 24 }),
        fc.nat(50_000),
        (pairs, budget) => {
          const ranges = pairs.map(([a, b], partition) => range(partition, Math.min(a, b), Math.max(a, b)));
          const windows = newestWindows(ranges, budget);
          const read = windows.reduce((sum, w) => sum + (w.end - w.start), 0n);
          const total = ranges.reduce((sum, r) => sum + (r.end - r.start), 0n);
          expect(read).toBe(total < BigInt(budget) ? total : BigInt(budget));
          windows.forEach((w, i) => {
            expect(w.start).toBeGreaterThanOrEqual(ranges[i]!.start);
            expect(w.end).toBe(ranges[i]!.end);
            expect(w.skipped).toBe(w.start - ranges[i]!.start);
          });
        },
      ),
    );
  });
});
