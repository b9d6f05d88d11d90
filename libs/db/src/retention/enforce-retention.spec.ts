import { enforceRetention, RetentionBatches } from './enforce-retention';
import { RETENTION_CLASSES, RetentionClass, retentionCutoffs, retentionHorizons } from './retention-policy';

const DAY = 24 * 3600;
const settings = {
  FLOWLINE_RETENTION_DELIVERIES_S: 30 * DAY,
  FLOWLINE_RETENTION_DELIVERY_RECORDS_S: 30 * DAY,
  FLOWLINE_RETENTION_RESPONSE_EXCERPTS_S: 7 * DAY,
  FLOWLINE_RETENTION_SEQUENCE_EVENTS_S: 90 * DAY,
  FLOWLINE_RETENTION_REPLAYS_S: 0,
  FLOWLINE_RETENTION_INSIGHTS_S: 400 * DAY,
  FLOWLINE_DEDUPE_HORIZON_S: 7 * DAY,
};

/** A store of `rows` per class, each removable once: what a real table does, in memory. */
function tables(rows: Partial<Record<RetentionClass, number>>) {
  const left = { ...rows };
  const calls: Array<{ name: RetentionClass; limit: number }> = [];
  const batches: RetentionBatches = {
    removeBatch: (name, _cutoff, limit) => {
      calls.push({ name, limit });
      const removed = Math.min(limit, left[name] ?? 0);
      left[name] = (left[name] ?? 0) - removed;
      return Promise.resolve(removed);
    },
  };
  return { batches, calls, left };
}

describe('retention', () => {
  const now = new Date('2025-06-01T00:00:00Z');

  it('cuts each class at its own horizon; a horizon of 0 keeps the class forever', () => {
    const cutoffs = retentionCutoffs(retentionHorizons(settings), now);
    expect(cutoffs.deliveries).toEqual(new Date('2025-05-02T00:00:00Z'));
    expect(cutoffs.response_excerpts).toEqual(new Date('2025-05-25T00:00:00Z'));
    expect(cutoffs.sequence_events).toEqual(new Date('2025-03-03T00:00:00Z'));
    expect(cutoffs.sequence_state).toEqual(cutoffs.sequence_events);
    expect(cutoffs.dedupe_entries).toEqual(new Date('2025-05-25T00:00:00Z'));
    expect(cutoffs.insights).toEqual(new Date('2024-04-27T00:00:00Z'));
    // Idle connection gates: a fixed hour, whatever the settings.
    expect(cutoffs.idle_gates).toEqual(new Date('2025-05-31T23:00:00Z'));
    expect(cutoffs).not.toHaveProperty('replays');
  });

  it('removes every class in batches of at most the batch size until one finds nothing', async () => {
    const { batches, calls, left } = tables({ deliveries: 2500, insights: 10, dedupe_entries: 1000 });
    const slept: number[] = [];
    const counts = await enforceRetention(batches, retentionCutoffs(retentionHorizons(settings), now), {
      batchSize: 1000,
      now,
      pauseMs: 5,
      sleep: (ms) => Promise.resolve(void slept.push(ms)),
    });
    expect(counts).toEqual({
      deliveries: 2500,
      delivery_records: 0,
      response_excerpts: 0,
      sequence_events: 0,
      sequence_state: 0,
      replays: 0,
      insights: 10,
      dedupe_entries: 1000,
      idle_gates: 0,
    });
    expect(Object.values(left).every((rows) => rows === 0)).toBe(true);
    expect(calls.every((call) => call.limit === 1000)).toBe(true);
    expect(calls.filter((call) => call.name === 'deliveries')).toHaveLength(4); // 1000, 1000, 500, 0
    expect(calls.some((call) => call.name === 'replays')).toBe(false);
    // A pause after every batch that removed something: 3 + 1 + 1.
    expect(slept).toEqual([5, 5, 5, 5, 5]);
    expect(calls.map((call) => call.name).filter((name, i, all) => all.indexOf(name) === i)).toEqual(
      RETENTION_CLASSES.filter((name) => name !== 'replays'),
    );
  });

  it('stops between batches when the process is stopping', async () => {
    const { batches } = tables({ deliveries: 5000 });
    let batchesRun = 0;
    const counts = await enforceRetention(
      { removeBatch: (...args) => ((batchesRun += 1), batches.removeBatch(...args)) },
      retentionCutoffs(retentionHorizons(settings), now),
      { batchSize: 1000, now, stopped: () => batchesRun >= 2 },
    );
    expect(counts.deliveries).toBe(2000);
  });
});
