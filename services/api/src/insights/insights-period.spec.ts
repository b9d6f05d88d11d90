import { resolvePeriod } from './insights-period';

const NOW = new Date('2025-01-10T12:00:00Z');

describe('resolvePeriod', () => {
  it.each<[string, { from?: string; to?: string }, string, string]>([
    ['the last 24 hours by default', {}, '2025-01-09T12:00:00.000Z', '2025-01-10T12:00:00.000Z'],
    ['from until now', { from: '2025-01-10T11:45:00Z' }, '2025-01-10T11:45:00.000Z', '2025-01-10T12:00:00.000Z'],
    ['the day before to', { to: '2025-01-05T00:00:00Z' }, '2025-01-04T00:00:00.000Z', '2025-01-05T00:00:00.000Z'],
    [
      'both as given, offsets included',
      { from: '2025-01-01T01:00:00+01:00', to: '2025-01-02T00:00:00Z' },
      '2025-01-01T00:00:00.000Z',
      '2025-01-02T00:00:00.000Z',
    ],
  ])('takes %s', (_, query, from, to) => {
    expect(resolvePeriod(query, NOW)).toEqual({ ok: true, from: new Date(from), to: new Date(to) });
  });

  it('refuses an empty or reversed period', () => {
    const refused = { ok: false, error: 'from must be before to' };
    expect(resolvePeriod({ from: '2025-01-11T00:00:00Z' }, NOW)).toEqual(refused);
    expect(resolvePeriod({ from: '2025-01-02T00:00:00Z', to: '2025-01-02T00:00:00Z' }, NOW)).toEqual(refused);
    expect(resolvePeriod({ from: '2025-01-03T00:00:00Z', to: '2025-01-02T00:00:00Z' }, NOW)).toEqual(refused);
  });
});
