import { describeDatabaseRefusal } from './database-refusal';

describe('describeDatabaseRefusal', () => {
  it('answers a unique key another request created first with 409, naming its columns but no value', () => {
    const refusal = describeDatabaseRefusal({
      code: '23505',
      table: 'tags',
      constraint: 'tags_pkey',
      detail: 'Key (tenant_id, name)=(acme, race-secret) already exists.',
    });
    expect(refusal).toEqual({ status: 409, message: 'tags: a record with the same name exists' });
  });

  it.each([
    ['22021', 'a text holds a character the database cannot store (NUL)'],
    ['22P05', 'a text holds a character the database cannot store (NUL or a lone surrogate)'],
    ['22007', 'a date or time is not in a form the database reads'],
    ['22008', 'a date or time is out of the range the database allows'],
    ['22P02', 'a value is not of the type its field takes'],
    ['22012', 'a value was refused by the database'],
  ])('answers the data exception %s with 400', (code, message) => {
    expect(describeDatabaseRefusal({ code })).toEqual({ status: 400, message });
  });

  it('answers refused values of constraints with 400', () => {
    expect(describeDatabaseRefusal({ code: '23502', table: 'tags', column: 'label' })).toEqual({
      status: 400,
      message: 'label is required',
    });
    expect(describeDatabaseRefusal({ code: '23514', table: 'flows', constraint: 'flows_mode_check' })).toEqual({
      status: 400,
      message: 'flows: a value breaks the rule flows_mode_check',
    });
    expect(
      describeDatabaseRefusal({
        code: '23503',
        table: 'flows',
        detail: 'Key (connection_id)=(3f1c) is not present in table "connections".',
      }),
    ).toEqual({ status: 400, message: 'flows: a reference names a record that does not exist' });
    expect(
      describeDatabaseRefusal({
        code: '23503',
        table: 'connections',
        detail: 'Key (id)=(3f1c) is still referenced from table "flows".',
      }),
    ).toEqual({ status: 409, message: 'connections: the record is still used by another record' });
  });

  it('answers passing trouble with 503', () => {
    for (const code of ['40001', '40P01', '57014', '53300', '08006', '57P01'])
      expect(describeDatabaseRefusal({ code })?.status).toBe(503);
  });

  it('leaves everything else to be answered as a bug', () => {
    for (const code of ['42P01', '42601', 'XX000', undefined, 7])
      expect(describeDatabaseRefusal({ code })).toBeUndefined();
  });
});
