import { assignedLag, CommittedOffset, PartitionEnds } from './lag-monitor';

describe('assignedLag', () => {
  const ends = new Map<string, PartitionEnds[]>([
    [
      'events',
      [
        { partition: 0, low: '0', high: '100' },
        { partition: 1, low: '40', high: '90' },
        { partition: 2, low: '0', high: '7' },
      ],
    ],
  ]);

  it('sums log end minus committed offset over the assigned partitions only', () => {
    const committed = new Map<string, CommittedOffset[]>([
      [
        'events',
        [
          { partition: 0, offset: '60' },
          { partition: 1, offset: '90' },
          { partition: 2, offset: '0' },
        ],
      ],
    ]);
    expect(assignedLag({ events: [0, 1] }, ends, committed)).toEqual(new Map([['events', 40]]));
    expect(assignedLag({ events: [2] }, ends, committed)).toEqual(new Map([['events', 7]]));
  });

  it('counts from the log start where the group never committed', () => {
    const committed = new Map<string, CommittedOffset[]>([['events', [{ partition: 1, offset: '-1' }]]]);
    // Partition 0 has no entry at all, partition 1 says -1: both are read from their start.
    expect(assignedLag({ events: [0, 1] }, ends, committed)).toEqual(new Map([['events', 100 + 50]]));
  });

  it('reports 0 for an assigned topic it has no ends of, never a negative lag', () => {
    const committed = new Map<string, CommittedOffset[]>([['events', [{ partition: 2, offset: '9' }]]]);
    expect(assignedLag({ events: [2], other: [0] }, ends, committed)).toEqual(
      new Map([
        ['events', 0],
        ['other', 0],
      ]),
    );
  });
});
