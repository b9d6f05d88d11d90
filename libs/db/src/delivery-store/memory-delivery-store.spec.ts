import { randomUUID } from 'node:crypto';
import { describeDeliveryStoreContract } from '@flowline/testing';
import { DELIVERY_MOVES, DELIVERY_STATUSES, mayMove, movesFrom, NO_ROW, sqlStatuses } from './delivery-status';
import { MemoryDeliveryStore } from './memory-delivery-store';

describeDeliveryStoreContract('MemoryDeliveryStore', () => {
  const now = Date.now();
  const paused = new Set<string>();
  const store = new MemoryDeliveryStore({ now: () => now, isConnectionPaused: (id) => paused.has(id) });
  return Promise.resolve({
    store,
    now: () => now,
    clockSlackMs: 0,
    inspect: (id) => {
      const row = store.row(id);
      return Promise.resolve(
        row && {
          status: row.status,
          attempts: row.attempts,
          retryCount: row.retryCount,
          nextAttemptAt: row.nextAttemptAt,
          lane: row.lane,
          laneSeq: row.laneSeq,
          hasRecord: row.message !== null,
          category: row.category,
          lastError: row.lastError,
          origin: row.origin,
          queued: row.queuedAt !== null,
          delivered: row.deliveredAt !== null,
        },
      );
    },
    attemptCount: (id) => Promise.resolve(store.attemptsOf(id).length),
    ageLease: (id, ms) => {
      store.ageLease(id, ms);
      return Promise.resolve();
    },
    pausedConnection: () => {
      const id = randomUUID();
      paused.add(id);
      return Promise.resolve(id);
    },
    digest: (connectionId) => {
      const digest = store.digestOf(connectionId);
      return Promise.resolve(
        digest && { count: digest.count, first: digest.firstFailures.map((failure) => failure.delivery_id) },
      );
    },
  });
});

describe('the delivery transition table', () => {
  it('names only known statuses, and every status is reachable', () => {
    const reachable = new Set<string>();
    for (const { from, to } of Object.values(DELIVERY_MOVES)) {
      for (const status of [...from, ...to]) expect([NO_ROW, ...DELIVERY_STATUSES]).toContain(status);
      for (const status of to) reachable.add(status);
    }
    expect([...reachable].sort()).toEqual([...DELIVERY_STATUSES].sort());
  });

  it.each([
    ['attempt', 'held', 'succeeded', false],
    ['attempt', 'sending', 'retrying', true],
    ['attempt', NO_ROW, 'abandoned', true],
    ['claim', 'retrying', 'sending', false],
    ['claim', 'held', 'sending', true],
    ['submit', 'succeeded', 'retrying', false],
    ['submit', 'abandoned', 'retrying', true],
    ['rejectInvalid', 'succeeded', 'failed', false],
  ] as const)('%s from %s to %s: allowed %s', (move, from, to, allowed) => {
    expect(mayMove(move, from, to)).toBe(allowed);
  });

  it('gives the SQL its status lists as literals', () => {
    expect(sqlStatuses(movesFrom('submit'))).toBe("'retrying', 'failed', 'abandoned'");
    expect(() => sqlStatuses(["x'; DROP TABLE deliveries; --" as never])).toThrow('unknown delivery status');
  });

  it('the twin refuses a move the table forbids', async () => {
    const store = new MemoryDeliveryStore({ now: Date.now });
    await store.record(
      [],
      [
        {
          deliveryId: 'd1',
          tenant: 't',
          subject: 's',
          connectionId: null,
          eventId: 'e',
          eventType: 'x',
          channel: 'webhook',
          lane: 'l',
          message: Buffer.from('{}'),
          reason: 'held',
          status: 'held',
          retryCount: 0,
          nextAttemptAt: null,
          origin: null,
        },
      ],
    );
    const attempt = {
      deliveryId: 'd1',
      tenant: 't',
      subject: 's',
      connectionId: null,
      eventId: 'e',
      eventType: 'x',
      status: 'succeeded' as const,
      attemptedAt: new Date(),
      statusCode: 200,
      latencyMs: 1,
      error: null,
      responseExcerpt: null,
    };
    await expect(store.record([attempt])).rejects.toThrow('attempt may not move it from held to succeeded');
  });
});
