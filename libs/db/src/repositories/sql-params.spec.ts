import fc from 'fast-check';
// node-postgres's own serializer of parameters, which `arrayLiteral` must match.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (value: unknown) => unknown };
import { arrayLiteral, SqlParams } from './sql-params';

describe('SqlParams.rows: rows given by column', () => {
  it('unnests the key and every column whose values differ, and binds a column with one value once', () => {
    const params = new SqlParams();
    const from = params.rows('t', [
      ['id', ['a', 'b', 'c'], 'text'],
      ['status', ['succeeded', 'succeeded', 'succeeded'], 'text'],
      ['code', [200, 503, 200], 'int'],
      ['error', [null, undefined, null], 'text'],
    ]);
    expect(from).toBe(
      'unnest($1::text[], $3::int[]) AS t(id, code) CROSS JOIN (SELECT $2::text AS status, $4::text AS error) AS t_same',
    );
    expect(params.values).toEqual(['{"a","b","c"}', 'succeeded', '{"200","503","200"}', null]);
  });

  it('keeps the key an array whatever it holds, so the rows are as many as given', () => {
    const params = new SqlParams();
    expect(
      params.rows('t', [
        ['id', ['only'], 'text'],
        ['n', [1], 'int'],
      ]),
    ).toBe('unnest($1::text[]) AS t(id) CROSS JOIN (SELECT $2::int AS n) AS t_same');
    expect(params.values).toEqual(['{"only"}', 1]);
  });

  it('unnests bytes, and values equal only as strings, as arrays', () => {
    const params = new SqlParams();
    const bytes = Buffer.from('x');
    expect(
      params.rows('t', [
        ['id', ['a', 'b'], 'text'],
        ['message', [bytes, bytes], 'bytea'],
        ['count', [1, '1'], 'text'],
      ]),
    ).toBe('unnest($1::text[], $2::bytea[], $3::text[]) AS t(id, message, count)');
  });
});

describe('arrayLiteral: an array parameter as node-postgres would send it', () => {
  const element = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.constantFrom('', 'NULL', 'a,b', '{x}', ' spaced ', 'ünïcode', '\ud83d\ude00', 'quote"d', 'back\\slash'),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.bigInt(),
    fc.constant(null),
    fc.constant(undefined),
    fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes)),
  );

  it('is the literal node-postgres would build, or leaves the array to it', () => {
    fc.assert(
      fc.property(fc.array(element, { maxLength: 8 }), (values) => {
        const literal = arrayLiteral(values);
        if (literal !== undefined) expect(literal).toBe(prepareValue(values));
      }),
      { numRuns: 2000 },
    );
  });

  it('builds the usual arrays itself, and leaves escaping and other objects to node-postgres', () => {
    expect(arrayLiteral(['msg_1', null, 'lead-2'])).toBe('{"msg_1",NULL,"lead-2"}');
    expect(arrayLiteral([200, undefined, true])).toBe('{"200",NULL,"true"}');
    expect(arrayLiteral([Buffer.from([1, 255])])).toBe('{\\\\x01ff}');
    expect(arrayLiteral([])).toBe('{}');
    expect(arrayLiteral(['say "hi"'])).toBeUndefined();
    expect(arrayLiteral(['C:\\temp'])).toBeUndefined();
    expect(arrayLiteral([new Date(0)])).toBeUndefined();
    expect(arrayLiteral([['nested']])).toBeUndefined();
  });
});
