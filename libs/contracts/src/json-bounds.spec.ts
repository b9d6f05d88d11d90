import fc from 'fast-check';
import {
  storableText,
  findUnstorableString,
  isUnstorableText,
  jsonDepthExceeds,
  jsonTextNestsAtMost,
  mayHoldUnstorableText,
  MAX_JSON_DEPTH,
} from './json-bounds';

/** Every string of a JSON value, keys included (recursive: for the small values of the properties below). */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, child]) => [key, ...stringsOf(child)]);
  return [];
}

/** Strings of any UTF-16 code units, lone surrogates and NUL included, so both answers come up often. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud83d\ude00', 'x\ud83d', 'plain'),
);
const anyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    anyText,
    fc.integer(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyText, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** `{"a": {"a": ... 1}}`, `depth` objects deep, built by JSON.parse as an attacker would send it. */
function nested(depth: number): unknown {
  return JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

describe('jsonDepthExceeds', () => {
  it.each([
    ['a scalar as depth 0', 1, 0],
    ['an empty object as depth 1', {}, 1],
    ['an empty list as depth 1', [], 1],
    ['an object in a list as depth 2', [{ a: 1 }], 2],
    ['a list in an object in an object as depth 3', { a: { b: [1] } }, 3],
  ])('measures %s', (_name, value, depth) => {
    expect(jsonDepthExceeds(value, depth)).toBe(false);
    expect(jsonDepthExceeds(value, depth - 1)).toBe(depth > 0);
  });

  it('measures the deepest branch, not the first', () => {
    expect(jsonDepthExceeds({ a: 1, b: [2, { c: { d: {} } }] }, 4)).toBe(true);
    expect(jsonDepthExceeds({ a: 1, b: [2, { c: { d: {} } }] }, 5)).toBe(false);
  });

  it('answers for nesting far past what recursive JSON tools survive, without throwing', () => {
    const deep = nested(100_000);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(jsonDepthExceeds(deep, MAX_JSON_DEPTH)).toBe(true);
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
  });

  it('terminates on a value that contains itself', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(jsonDepthExceeds(cyclic, 3)).toBe(false);
  });
});

describe('jsonTextNestsAtMost', () => {
  it('never vouches for a value deeper than the bound (any JSON, any bound)', () => {
    fc.assert(
      fc.property(anyJson, fc.integer({ min: 0, max: 8 }), (value, maxDepth) => {
        const text = JSON.stringify(value);
        if (jsonTextNestsAtMost(text, maxDepth)) expect(jsonDepthExceeds(JSON.parse(text), maxDepth)).toBe(false);
      }),
    );
  });

  it('vouches for a value nested exactly to the bound, and not one level more', () => {
    expect(jsonTextNestsAtMost(JSON.stringify(nested(MAX_JSON_DEPTH)), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonTextNestsAtMost(JSON.stringify(nested(MAX_JSON_DEPTH + 1)), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonTextNestsAtMost('[[[[[[[[[[', 3)).toBe(false);
  });

  it('lets jsonDepthExceeds answer from the text it was given, and walk when the text cannot vouch', () => {
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH, JSON.stringify(nested(MAX_JSON_DEPTH)))).toBe(
      false,
    );
    const deep = nested(MAX_JSON_DEPTH + 1);
    expect(jsonDepthExceeds(deep, MAX_JSON_DEPTH, JSON.stringify(deep))).toBe(true);
  });

  it('counts brackets inside strings too, leaving such a text to the walk', () => {
    const text = JSON.stringify({ note: '{[{[{[' });
    expect(jsonTextNestsAtMost(text, 3)).toBe(false);
    expect(jsonDepthExceeds(JSON.parse(text), 3)).toBe(false);
  });
});

describe('isUnstorableText', () => {
  it.each([
    ['plain text is storable', 'Ada Lovelace', false],
    ['a surrogate pair (an emoji) is storable', 'ok \ud83d\ude00', false],
    ['other control characters are storable', 'tab\tnew\nline', false],
    ['a NUL is not', 'a\u0000b', true],
    ['a lone high surrogate is not', 'p-\ud800', true],
    ['a lone low surrogate is not', '\udc00x', true],
    ['a high surrogate at the end is not', 'abc\udbff', true],
    ['a high surrogate before a pair is not', '\ud800\ud800\udc00', true],
  ])('%s', (_name, text, unstorable) => {
    expect(isUnstorableText(text)).toBe(unstorable);
  });

  it('agrees with the rule itself on any text: NUL, or a surrogate without its pair', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const codes = [...text].map((character) => character.codePointAt(0)!);
        // Iterating a string yields a pair as one code point, and a lone surrogate as itself.
        const expected = codes.some((code) => code === 0 || (code >= 0xd800 && code <= 0xdfff));
        expect(isUnstorableText(text)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('findUnstorableString', () => {
  it('answers undefined when every string and key can be stored', () => {
    expect(findUnstorableString({ id: 'e-1', data: { list: ['a', 1, null, { b: 'ü😀' }] } })).toBeUndefined();
    expect(findUnstorableString(42)).toBeUndefined();
  });

  it.each([
    ['a top-level field', { id: 'p-\ud800' }, 'id'],
    ['a nested value', { data: { profile: { name: 'a\u0000' } } }, 'data.profile.name'],
    ['a list element', { data: { tags: ['x', 'y', '\udfff'] } }, 'data.tags[2]'],
    ['a key', { data: { 'a\u0000b': 1 } }, 'data["a\\u0000b"]'],
    ['a key that is no identifier', { data: { 'first name': '\ud800' } }, 'data["first name"]'],
    ['the root', '\u0000', '$'],
  ])('names the path of %s', (_name, value, path) => {
    expect(findUnstorableString(value)).toBe(path);
  });

  it('reports the first offending string in document order', () => {
    expect(findUnstorableString({ a: { b: ['ok', '\u0000'] }, c: '\ud800' })).toBe('a.b[1]');
  });

  it('keeps the path itself readable: long keys shortened, odd characters escaped', () => {
    const path = findUnstorableString({ data: { [`${'k'.repeat(500)}\u0000`]: 1 } });
    expect(path).toBe(`data["${'k'.repeat(64)}…"]`);
    expect(isUnstorableText(path!)).toBe(false);
  });

  it('finds something exactly when some string or key of the value is unstorable', () => {
    let found = 0;
    fc.assert(
      fc.property(anyJson, (value) => {
        const path = findUnstorableString(value);
        expect(path !== undefined).toBe(stringsOf(value).some(isUnstorableText));
        if (path !== undefined) found += 1;
      }),
      { numRuns: 2000 },
    );
    // Both answers came up, many times each.
    expect(found).toBeGreaterThan(200);
    expect(found).toBeLessThan(1800);
  });
});

describe('mayHoldUnstorableText', () => {
  /** What a consumer does with a record: its bytes decoded as UTF-8, then parsed. */
  const parsedFrom = (bytes: Buffer) => JSON.parse(bytes.toString('utf8')) as unknown;

  it('says "may" for every record whose value holds NUL or a lone surrogate, as a producer writes it', () => {
    let unstorable = 0;
    fc.assert(
      fc.property(anyJson, (value) => {
        const text = Buffer.from(JSON.stringify(value), 'utf8').toString('utf8');
        if (findUnstorableString(parsedFrom(Buffer.from(text, 'utf8'))) === undefined) return;
        unstorable += 1;
        expect(mayHoldUnstorableText(text)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(unstorable).toBeGreaterThan(300);
  });

  it('says "may" for escapes written by hand, in either case, and for any bytes that decode to such a value', () => {
    for (const text of ['{"a":"\\u0000"}', '{"a":"x\\uD800"}', '{"\\udfff":1}', '["\\uDbFf"]'])
      expect([text, mayHoldUnstorableText(text)]).toEqual([text, true]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (raw) => {
        const bytes = Buffer.from(raw);
        let value: unknown;
        try {
          value = parsedFrom(bytes);
        } catch {
          return;
        }
        if (findUnstorableString(value) !== undefined) expect(mayHoldUnstorableText(bytes.toString('utf8'))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('says "no" for a plain record, surrogate pairs and escaped characters other than these included', () => {
    expect(mayHoldUnstorableText(JSON.stringify({ id: 'e-1', name: 'ü😀', text: 'line\nbreak\u0001' }))).toBe(false);
    expect(mayHoldUnstorableText('{"a":"\\u00e9\\u2028"}')).toBe(false);
  });
});

describe('storableText', () => {
  it('drops NUL and replaces lone surrogates, keeping everything else as it was', () => {
    expect(storableText('a\u0000b')).toBe('ab');
    expect(storableText('x\ud800y\udc00z')).toBe('x\ufffdy\ufffdz');
    expect(storableText('pair 😀 stays')).toBe('pair 😀 stays');
  });

  it('always answers a text isUnstorableText accepts, unchanged when it already was one', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const stored = storableText(text);
        expect(isUnstorableText(stored)).toBe(false);
        if (!isUnstorableText(text)) expect(stored).toBe(text);
      }),
    );
  });
});
