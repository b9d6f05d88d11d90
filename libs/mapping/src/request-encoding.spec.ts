import { encodeForm, formPairs } from './form-encoding';
import { appendQuery, encodeBody } from './request-encoding';

const payload = {
  contact: { first_name: 'John', last_name: 'Doe & Sons' },
  status: 'registered',
  minutes: 45,
  vip: true,
  note: null,
  tags: ['a', 'b c'],
  items: [{ name: 'x' }, { name: 'y', qty: 2 }],
  empty: [],
  nothing: {},
};

describe('formPairs (PHP/Rails brackets)', () => {
  it('flattens nested objects, lists and scalars', () => {
    expect(formPairs(payload)).toEqual([
      ['contact[first_name]', 'John'],
      ['contact[last_name]', 'Doe & Sons'],
      ['status', 'registered'],
      ['minutes', '45'],
      ['vip', 'true'],
      ['note', ''],
      ['tags[]', 'a'],
      ['tags[]', 'b c'],
      ['items[0][name]', 'x'],
      ['items[1][name]', 'y'],
      ['items[1][qty]', '2'],
    ]);
  });

  it.each([[null], ['text'], [[1, 2]], [undefined]])(
    'has no pairs for a payload that is not an object: %j',
    (value) => {
      expect(formPairs(value)).toEqual([]);
    },
  );
});

describe('encodeForm', () => {
  it('percent-encodes as URLSearchParams does, which every form parser reads back', () => {
    const text = encodeForm({ contact: { first_name: 'John Doe' }, tags: ['a', 'é'], q: 'a&b=c' });
    expect(text).toBe('contact%5Bfirst_name%5D=John+Doe&tags%5B%5D=a&tags%5B%5D=%C3%A9&q=a%26b%3Dc');
    expect([...new URLSearchParams(text)]).toEqual([
      ['contact[first_name]', 'John Doe'],
      ['tags[]', 'a'],
      ['tags[]', 'é'],
      ['q', 'a&b=c'],
    ]);
  });

  it('does not throw on lone surrogates', () => {
    expect(encodeForm({ k: '\ud800' })).toBe('k=%EF%BF%BD');
  });
});

describe('encodeBody', () => {
  it.each([
    ['application/json', '{"a":{"b":1},"c":[1,2]}'],
    ['application/json; charset=utf-8', '{"a":{"b":1},"c":[1,2]}'],
    [undefined, '{"a":{"b":1},"c":[1,2]}'],
    ['application/x-www-form-urlencoded', 'a%5Bb%5D=1&c%5B%5D=1&c%5B%5D=2'],
    ['Application/X-WWW-Form-Urlencoded; charset=UTF-8', 'a%5Bb%5D=1&c%5B%5D=1&c%5B%5D=2'],
  ])('%s', (contentType, expected) => {
    expect(encodeBody({ a: { b: 1 }, c: [1, 2] }, contentType)).toBe(expected);
  });
});

describe('appendQuery', () => {
  it.each([
    ['https://x.test/hook', 'https://x.test/hook?a=1&b%5Bc%5D=2'],
    ['https://x.test/hook?key=k', 'https://x.test/hook?key=k&a=1&b%5Bc%5D=2'],
    ['https://x.test/hook?', 'https://x.test/hook?a=1&b%5Bc%5D=2'],
    ['https://x.test/hook?key=k&', 'https://x.test/hook?key=k&a=1&b%5Bc%5D=2'],
    ['https://x.test/hook#top', 'https://x.test/hook?a=1&b%5Bc%5D=2#top'],
    ['https://x.test/hook?key=k#top', 'https://x.test/hook?key=k&a=1&b%5Bc%5D=2#top'],
  ])('%s', (url, expected) => {
    expect(appendQuery(url, { a: 1, b: { c: 2 } })).toBe(expected);
  });

  it('leaves the URL alone for an empty payload', () => {
    expect(appendQuery('https://x.test/hook?key=k', {})).toBe('https://x.test/hook?key=k');
  });
});
