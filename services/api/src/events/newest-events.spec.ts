import type { ConsumedRecord } from '@flowline/kafka';
import { NewestEvents } from './newest-events';

const FROM = Date.UTC(2025, 0, 10, 9, 0);
const TO = Date.UTC(2025, 0, 10, 10, 0);

let offset = 0;
const record = (
  id: string,
  timestamp: number,
  options: { tenant?: string; partition?: number; value?: string; data?: Record<string, unknown> } = {},
): ConsumedRecord => ({
  topic: 'flowline.events',
  partition: options.partition ?? 0,
  offset: String((offset += 1)),
  key: 'acme:att-1',
  value: Buffer.from(
    options.value ??
      JSON.stringify({
        id,
        tenant: options.tenant ?? 'acme',
        type: 'registration.created',
        subject: 'att-1',
        time: '2025-01-01T00:00:00Z',
        test: false,
        data: options.data ?? { n: id },
        ingestedAt: timestamp,
      }),
  ),
  headers: {},
  timestamp,
});

const newest = (limit = 20) => new NewestEvents({ tenant: 'acme', from: FROM, to: TO, limit });

describe('NewestEvents', () => {
  it('lists only the tenant’s events of the period, newest first, as the event log received them', () => {
    const events = newest();
    events.add([
      record('old', FROM + 1),
      record('other tenant', FROM + 5, { tenant: 'globex' }),
      record('before', FROM - 1),
      record('at the end', TO),
      record('broken', FROM + 7, { value: 'not json' }),
    ]);
    events.add([record('new', FROM + 9, { partition: 3 })]);
    const listed = events.newestFirst(1 << 20);
    expect(listed.events.map((event) => event.id)).toEqual(['new', 'old']);
    expect(listed.events[0]).toEqual({
      id: 'new',
      type: 'registration.created',
      subject: 'att-1',
      time: '2025-01-01T00:00:00Z',
      source: null,
      test: false,
      data: { n: 'new' },
      received_at: new Date(FROM + 9).toISOString(),
    });
    expect(listed.more).toBe(false);
    expect(events.recordsScanned).toBe(6);
  });

  it('keeps at most `limit` events, and says there were more', () => {
    const events = newest(2);
    events.add([record('a', FROM + 1), record('b', FROM + 3), record('c', FROM + 2)]);
    events.add([record('d', FROM + 0)]);
    expect(events.newestFirst(1 << 20)).toMatchObject({ events: [{ id: 'b' }, { id: 'c' }], more: true });
  });

  it('lists as many as fit in the answer’s size, the newest always', () => {
    const events = newest();
    const big = { text: 'x'.repeat(1000) };
    events.add([record('a', FROM + 1, { data: big }), record('b', FROM + 2, { data: big })]);
    expect(events.newestFirst(1500)).toMatchObject({ events: [{ id: 'b' }], more: true });
    expect(events.newestFirst(10)).toMatchObject({ events: [{ id: 'b' }], more: true });
  });

  it('notes the oldest record time read in each partition, whichever tenant’s', () => {
    const events = newest();
    events.add([record('x', FROM + 50, { tenant: 'globex', partition: 1 }), record('y', FROM + 60, { partition: 1 })]);
    expect(events.oldestReadIn(1)).toBe(FROM + 50);
    expect(events.oldestReadIn(0)).toBeUndefined();
  });
});
