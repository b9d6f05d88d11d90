import fc from 'fast-check';
import { testFilter } from './filter-operators';
import type { FilterOperator } from './flow-definition';
import { normalizeText } from './normalize-text';

/** The rule `in` states, element against option, one pair at a time: what the sets must answer. */
function pairwiseIn(actual: unknown, expected: unknown): boolean {
  const scalar = (v: unknown) =>
    typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
  const asNumber = (v: unknown) => {
    if (typeof v === 'number') return v;
    if (typeof v !== 'string' || v.trim() === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const equals = (a: unknown, b: unknown) => {
    if (!scalar(a) || !scalar(b)) return false;
    if (typeof a === 'number' || typeof b === 'number') {
      const x = asNumber(a);
      return x !== undefined && x === asNumber(b);
    }
    return normalizeText(String(a)) === normalizeText(String(b));
  };
  const missing = (v: unknown) =>
    v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
  if (missing(actual)) return false;
  const options = Array.isArray(expected) ? expected : missing(expected) ? [] : [expected];
  const elements = Array.isArray(actual) ? actual : [actual];
  return elements.some((element) => options.some((option) => equals(element, option)));
}

describe('testFilter', () => {
  const MISSING = [undefined, null, '', '  ', []];

  it.each<[FilterOperator, unknown, unknown, boolean]>([
    // eq / neq on text: trimmed, case-insensitive
    ['eq', 'CEO', 'CEO', true],
    ['eq', 'ceo ', 'CEO', true],
    ['eq', 'CTO', 'CEO', false],
    ['neq', 'CTO', 'CEO', true],
    ['neq', 'Ceo', 'CEO', false],
    // numbers compare as numbers when either side is a number; two strings as text
    ['eq', 5, 5, true],
    ['eq', 5, '5', true],
    ['eq', '5.0', 5, true],
    ['eq', 5, '5x', false],
    ['eq', '007', '7', false],
    ['eq', 0, '', false],
    // booleans compare by their text
    ['eq', true, 'true', true],
    ['eq', false, true, false],
    ['neq', false, true, true],
    // lists: eq / contains when any element matches, neq when none does
    ['eq', ['a', 'VIP'], 'vip', true],
    ['eq', ['a', 'b'], 'vip', false],
    ['neq', ['a', 'VIP'], 'vip', false],
    ['neq', ['a', 'b'], 'vip', true],
    ['contains', ['emea', 'apac'], 'EMEA', true],
    ['contains', ['emea-north'], 'emea', false],
    // in / nin
    ['in', 'EMEA', ['emea', 'apac'], true],
    ['in', 'amer', ['emea', 'apac'], false],
    ['in', 3, ['1', '3'], true],
    ['in', 'emea', 'EMEA', true],
    ['in', ['x', 'apac'], ['emea', 'apac'], true],
    ['in', 'emea', [], false],
    ['nin', 'amer', ['emea', 'apac'], true],
    ['nin', 'emea', ['emea', 'apac'], false],
    ['nin', ['x', 'apac'], ['emea', 'apac'], false],
    // contains on text is a substring test; numbers are read as text
    ['contains', 'Chief Executive Officer', 'executive', true],
    ['contains', 'Chief Executive Officer', 'cto', false],
    ['contains', 12345, '234', true],
    ['contains', { a: 'executive' }, 'executive', false],
    // exists
    ['exists', 'x', true, true],
    ['exists', 'x', undefined, true],
    ['exists', 'x', false, false],
    ['exists', 0, true, true],
    ['exists', false, true, true],
    ['exists', { a: 1 }, true, true],
    ['exists', ['a'], 'true', true],
    ['exists', 'x', 'false', false],
    // objects equal nothing
    ['eq', { a: 1 }, 'a', false],
    ['neq', { a: 1 }, 'a', true],
  ])('%s %j %j → %s', (op, actual, expected, result) => {
    expect(testFilter(op, actual, expected)).toBe(result);
  });

  it.each(MISSING)('a missing field (%j) equals, is in and contains nothing, and does not exist', (missing) => {
    expect(testFilter('eq', missing, 'x')).toBe(false);
    expect(testFilter('neq', missing, 'x')).toBe(true);
    expect(testFilter('in', missing, ['x'])).toBe(false);
    expect(testFilter('nin', missing, ['x'])).toBe(true);
    expect(testFilter('contains', missing, 'x')).toBe(false);
    expect(testFilter('exists', missing, true)).toBe(false);
    expect(testFilter('exists', missing, false)).toBe(true);
  });

  describe('in and nin over lists', () => {
    // Values that compare across kinds: numbers, numeric and padded texts, booleans, cases.
    const scalar = fc.oneof(
      fc.constantFrom(
        '5',
        '5.0',
        ' 5 ',
        '007',
        '7',
        '-0',
        '',
        ' ',
        'true',
        'TRUE',
        'false',
        'Emea',
        'emea ',
        '1e3',
        'x',
      ),
      fc.constantFrom(5, 7, 0, -0, 1000, 1.5, Number.NaN, Number.POSITIVE_INFINITY),
      fc.boolean(),
      fc.string({ maxLength: 4 }),
      fc.integer({ min: -3, max: 3 }),
      fc.constantFrom(null, undefined, { a: 1 }, ['nested']),
    );
    const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 6 }));

    it('answer what comparing every element with every option answers', () => {
      fc.assert(
        fc.property(value, value, (actual, expected) => {
          expect(testFilter('in', actual, expected)).toBe(pairwiseIn(actual, expected));
          expect(testFilter('nin', actual, expected)).toBe(!pairwiseIn(actual, expected));
        }),
        { numRuns: 5000 },
      );
    });

    it('read each option once, not once per element of the field', () => {
      let reads = 0;
      const options = new Proxy(
        Array.from({ length: 2_000 }, (_, i) => `option-${i}`),
        {
          get(target, property, receiver) {
            if (typeof property === 'string' && /^\d+$/.test(property)) reads += 1;
            return Reflect.get(target, property, receiver) as unknown;
          },
        },
      );
      const field = Array.from({ length: 2_000 }, (_, i) => `value-${i}`);
      // Element against option, this read the options four million times: seconds an event.
      expect(testFilter('in', field, options)).toBe(false);
      expect(testFilter('nin', field, options)).toBe(true);
      expect(testFilter('in', [...field, ' OPTION-1999 '], options)).toBe(true);
      expect(reads).toBeLessThanOrEqual(2_000);
    });
  });
});
