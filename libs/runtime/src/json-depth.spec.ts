import fc from 'fast-check';
import { jsonNestsDeeperThan } from './json-depth';

const deeper = (text: string, max: number) => jsonNestsDeeperThan(Buffer.from(text), max);

/** The depth as a parser sees it, for comparison. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depthOf));
}

describe('jsonNestsDeeperThan', () => {
  it('counts objects and arrays', () => {
    expect(deeper('1', 0)).toBe(false);
    expect(deeper('{}', 0)).toBe(true);
    expect(deeper('{"a":1}', 1)).toBe(false);
    expect(deeper('{"a":[{"b":[]}]}', 4)).toBe(false);
    expect(deeper('{"a":[{"b":[]}]}', 3)).toBe(true);
    expect(deeper('[[],[],[],[]]', 2)).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(deeper('{"a":"[[[[{{{{"}', 1)).toBe(false);
    expect(deeper('{"a\\"[[[":"\\\\"}', 1)).toBe(false);
    expect(deeper('{"a":"\\"","b":[[]]}', 2)).toBe(true);
    expect(deeper('{"é[":"漢字{{"}', 1)).toBe(false);
  });

  it('answers at once for the hostile 10,000-deep body', () => {
    const hostile = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    expect(deeper(hostile, 100)).toBe(true);
  });

  it('agrees with the parser on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (value, max) => {
        expect(deeper(JSON.stringify(value), max)).toBe(depthOf(value) > max);
      }),
    );
  });
});
