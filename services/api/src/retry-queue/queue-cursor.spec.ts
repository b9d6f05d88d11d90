import fc from 'fast-check';
import { decodeQueueCursor, encodeQueueCursor } from './queue-cursor';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('the retry queue cursor', () => {
  it('names the position it was made from, microseconds and any id included', () => {
    const timeArb = fc
      .tuple(
        fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2099-12-31T23:59:59Z') }),
        fc.nat(999),
      )
      .map(([ms, micros]) => `${new Date(ms).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`);
    fc.assert(
      fc.property(timeArb, fc.string({ minLength: 1, maxLength: 80, unit: 'binary' }), (queuedAt, id) => {
        const cursor = encodeQueueCursor({ queuedAt, id });
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeQueueCursor(cursor)).toEqual({ queuedAt, id });
      }),
    );
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['an object', encode({ queuedAt: '2025-01-10T09:00:00.000001Z', id: 'msg_1' })],
    ['one element', encode(['2025-01-10T09:00:00.000001Z'])],
    ['three elements', encode(['2025-01-10T09:00:00.000001Z', 'msg_1', 'x'])],
    ['milliseconds only', encode(['2025-01-10T09:00:00.001Z', 'msg_1'])],
    ['no zone', encode(['2025-01-10T09:00:00.000001', 'msg_1'])],
    ['30 February', encode(['2025-02-30T09:00:00.000001Z', 'msg_1'])],
    ['hour 24', encode(['2025-01-10T24:00:00.000001Z', 'msg_1'])],
    ['year 0000, which PostgreSQL refuses', encode(['0000-01-10T09:00:00.000001Z', 'msg_1'])],
    ['an empty id', encode(['2025-01-10T09:00:00.000001Z', ''])],
    ['a numeric id', encode(['2025-01-10T09:00:00.000001Z', 7])],
  ])('refuses a cursor that is %s', (_name, cursor) => {
    expect(decodeQueueCursor(cursor)).toBeUndefined();
  });
});
