import fc from 'fast-check';
import { isRfc3339Timestamp } from './timestamp';

describe('isRfc3339Timestamp', () => {
  it.each([
    '2025-01-10',
    '2025-01-10T09:00:00Z',
    '2025-01-10t09:00:00z',
    '2025-01-10T09:00:00.123456Z',
    '2025-01-10T09:00:00+02:00',
    '2024-02-29T23:59:59-11:30',
    '1000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
  ])('accepts %s', (value) => {
    expect(isRfc3339Timestamp(value)).toBe(true);
  });

  it.each([
    ['a week date', '2025-W01-1'],
    ['an ordinal date', '2025-001'],
    ['the basic format', '20250110T090000Z'],
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['a year before 1000', '0999-12-31T23:59:59Z'],
    ['a five-digit year', '+12025-01-10T09:00:00Z'],
    ['30 February', '2025-02-30T00:00:00Z'],
    ['29 February of a common year', '2100-02-29'],
    ['month 13', '2025-13-01'],
    ['hour 24', '2025-01-10T24:00:00Z'],
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['a time without a zone', '2025-01-10T09:00:00'],
    ['a zone without minutes', '2025-01-10T09:00:00+02'],
    ['an offset PostgreSQL refuses', '2025-01-10T09:00:00+16:00'],
    ['a space separator', '2025-01-10 09:00:00Z'],
    ['trailing text', '2025-01-10T09:00:00Z '],
    ['not text', 20250110],
  ])('refuses %s', (_case, value) => {
    expect(isRfc3339Timestamp(value)).toBe(false);
  });

  it('accepts exactly the instants JavaScript writes back unchanged, in its years', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        (date) => {
          const text = date.toISOString();
          expect(isRfc3339Timestamp(text)).toBe(true);
          expect(new Date(Date.parse(text)).toISOString()).toBe(text);
        },
      ),
    );
  });
});
