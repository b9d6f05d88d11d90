import { testFilter } from './filter-operators';
import type { FilterOperator } from './flow-definition';

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
});
