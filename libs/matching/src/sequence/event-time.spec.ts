import { formatEventTime, parseEventTime } from './event-time';

describe('parseEventTime', () => {
  it.each([
    ['2025-01-10T09:00:00Z', Date.UTC(2025, 0, 10, 9)],
    ['2025-01-10t09:00:00z', Date.UTC(2025, 0, 10, 9)],
    ['2025-01-10 09:00:00Z', Date.UTC(2025, 0, 10, 9)],
    ['2025-01-10T11:00:00+02:00', Date.UTC(2025, 0, 10, 9)],
    ['2025-01-10T04:30:00-04:30', Date.UTC(2025, 0, 10, 9)],
    ['2025-01-10T09:00:00.5Z', Date.UTC(2025, 0, 10, 9, 0, 0, 500)],
    ['2025-01-10T09:00:00.123456789Z', Date.UTC(2025, 0, 10, 9, 0, 0, 123)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['0050-01-01T00:00:00Z', Date.parse('0050-01-01T00:00:00Z')],
    ['1969-12-31T23:59:59Z', -1000],
    ['2016-12-31T23:59:60Z', Date.UTC(2017, 0, 1)],
  ])('reads %s', (text, expected) => {
    expect(parseEventTime(text)).toBe(expected);
  });

  it.each([
    '2025-01-10',
    '2025-01-10T09:00:00',
    '2025-01-10T09:00Z',
    '2025-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-04-31T00:00:00Z',
    '2025-01-10T24:00:00Z',
    '2025-01-10T09:00:00+24:00',
    'Fri, 10 Jan 2025 09:00:00 GMT',
    '',
    ' 2025-01-10T09:00:00Z',
  ])('rejects %j', (text) => {
    expect(parseEventTime(text)).toBeUndefined();
  });

  it.each([undefined, null, 1736499600000, {}, []])('rejects %j, not a string', (value) => {
    expect(parseEventTime(value)).toBeUndefined();
  });
});

describe('formatEventTime', () => {
  it('prints UTC, with milliseconds only when not zero', () => {
    expect(formatEventTime(Date.UTC(2025, 0, 10, 9))).toBe('2025-01-10T09:00:00Z');
    expect(formatEventTime(Date.UTC(2025, 0, 10, 9, 0, 0, 5))).toBe('2025-01-10T09:00:00.005Z');
    expect(parseEventTime(formatEventTime(Date.UTC(2025, 0, 10, 9, 0, 0, 5)))).toBe(Date.UTC(2025, 0, 10, 9, 0, 0, 5));
  });
});
