import { unstorableCharacter } from '@flowline/contracts';
import { findInputProblems, MAX_LISTED_PROBLEMS } from './input-problems';

describe('unstorableCharacter', () => {
  it.each([
    ['plain text', 'hello', undefined],
    ['a surrogate pair', 'emoji \ud83d\ude00', undefined],
    ['NUL', 'a\u0000b', 'the NUL character (U+0000)'],
    ['a lone high surrogate', 'p-\ud800', 'a lone UTF-16 surrogate'],
    ['a lone low surrogate', '\udc00x', 'a lone UTF-16 surrogate'],
  ])('%s', (_case, text, reason) => {
    expect(unstorableCharacter(text)).toBe(reason);
  });
});

describe('findInputProblems', () => {
  it('accepts ordinary bodies, queries and parameters', () => {
    expect(findInputProblems({ name: 't1', objects: ['question'], nested: { a: [1, true, null] } }, '')).toEqual([]);
    expect(findInputProblems({ subject: 'att 1', limit: '10' }, '', { singleValues: true })).toEqual([]);
    expect(findInputProblems('3f1c…', 'id')).toEqual([]);
  });

  it('names every field holding NUL or a lone surrogate, at any depth', () => {
    const body = {
      label: 'a\u0000b',
      fields: [{ target: 'x' }, { target: 'y', value_map: { a: '\ud800' } }],
      id: 'p-\udfff',
    };
    expect(findInputProblems(body, '')).toEqual([
      'label must not contain the NUL character (U+0000)',
      'id must not contain a lone UTF-16 surrogate',
      'fields[1].value_map.a must not contain a lone UTF-16 surrogate',
    ]);
    expect(findInputProblems([{ id: 'ok' }, { id: '\u0000' }], '')).toEqual([
      '[1].id must not contain the NUL character (U+0000)',
    ]);
  });

  it('refuses object keys holding NUL or a lone surrogate without echoing them', () => {
    expect(findInputProblems({ headers: { 'X-\u0000': 'v' }, data: { '\ud800': 1 } }, '')).toEqual([
      'headers must not have a key containing the NUL character (U+0000)',
      'data must not have a key containing a lone UTF-16 surrogate',
    ]);
  });

  it('refuses __proto__, constructor and prototype keys anywhere', () => {
    const body = JSON.parse(
      '{"__proto__":{"admin":true},"data":{"constructor":{"prototype":1}},"x":[{"prototype":2}]}',
    );
    expect(findInputProblems(body, '')).toEqual([
      'body must not have the key "__proto__"',
      'data must not have the key "constructor"',
      'x[0] must not have the key "prototype"',
    ]);
  });

  it('names a path parameter by its name', () => {
    expect(findInputProblems('t\u0000', 'name')).toEqual(['name must not contain the NUL character (U+0000)']);
  });

  it('refuses repeated and nested query parameters', () => {
    expect(
      findInputProblems({ lead_id: { a: 'b' }, status: ['failed', 'held'], subject: 's' }, '', { singleValues: true }),
    ).toEqual(['lead_id must be a single value, not nested parameters', 'status must be given once']);
  });

  it('lists a bounded number of problems however many there are', () => {
    const problems = findInputProblems(
      Array.from({ length: 10_000 }, () => '\u0000'),
      '',
    );
    expect(problems).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(problems.at(-1)).toBe('and more problems of the same kinds');
  });

  it('walks a very wide body without exhausting the stack', () => {
    const wide = Object.fromEntries(Array.from({ length: 50_000 }, (_, index) => [`k${index}`, 'v']));
    expect(findInputProblems({ wide, list: new Array(300_000).fill({ a: 1 }) }, '')).toEqual([]);
  });
});
