import { SqlParams } from './sql-params';

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
    expect(params.values).toEqual([['a', 'b', 'c'], 'succeeded', [200, 503, 200], null]);
  });

  it('keeps the key an array whatever it holds, so the rows are as many as given', () => {
    const params = new SqlParams();
    expect(
      params.rows('t', [
        ['id', ['only'], 'text'],
        ['n', [1], 'int'],
      ]),
    ).toBe('unnest($1::text[]) AS t(id) CROSS JOIN (SELECT $2::int AS n) AS t_same');
    expect(params.values).toEqual([['only'], 1]);
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
