/** The offsets [start, end) of one partition that hold a period's records. */
export interface PartitionRange {
  partition: number;
  start: bigint;
  end: bigint;
}

/** Where a newest-first read of one partition starts, and whether it leaves older records of the period unread. */
export interface PartitionWindow {
  partition: number;
  start: bigint;
  end: bigint;
  /** Records of the period before `start` that the read leaves out. */
  skipped: bigint;
}

/**
 * Shares a budget of records among partitions so that a read reaches each one's newest records
 * (pure): every partition gets an equal share, and what a short partition does not need goes to
 * the others (water filling), so a budget larger than the period reads all of it. A window ends
 * where its range ends; it starts `share` records before, never before the range's start.
 */
export function newestWindows(ranges: readonly PartitionRange[], budget: number): PartitionWindow[] {
  const sizes = new Map(ranges.map(({ partition, start, end }) => [partition, end > start ? end - start : 0n]));
  const shares = new Map<number, bigint>();
  let left = BigInt(Math.max(0, Math.floor(budget)));
  // Smallest first: each takes what it needs or its equal share of what is left, whichever is less.
  const bySize = [...ranges].sort((a, b) => {
    const [x, y] = [sizes.get(a.partition)!, sizes.get(b.partition)!];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  bySize.forEach(({ partition }, index) => {
    const fair = left / BigInt(bySize.length - index);
    const share = sizes.get(partition)! < fair ? sizes.get(partition)! : fair;
    shares.set(partition, share);
    left -= share;
  });
  return ranges.map(({ partition, start, end }) => {
    const size = sizes.get(partition)!;
    const share = shares.get(partition)!;
    const first = end > start ? end - share : end;
    return { partition, start: first, end: end > start ? end : first, skipped: size - share };
  });
}
