/** PostgreSQL's names for the column types Flowline binds as parameters. */
export type SqlType = 'text' | 'int' | 'bigint' | 'boolean' | 'uuid' | 'bytea' | 'timestamptz';

/**
 * A statement's parameters, numbered in the order the SQL names them: `params.add(value, 'text')`
 * answers `$n::text` and keeps the value, so no placeholder is numbered by hand and a value can
 * never drift from its cast.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  /** One value, cast to `type` where the statement needs it (answers `$n` without a type). */
  add(value: unknown, type?: SqlType): string {
    const placeholder = `$${this.values.push(value)}`;
    return type ? `${placeholder}::${type}` : placeholder;
  }

  /** One array parameter: a column of `unnest(...)` or the right side of `= ANY(...)`. */
  array(values: readonly unknown[], type: SqlType): string {
    return `$${this.values.push(arrayLiteral(values) ?? values)}::${type}[]`;
  }

  /** Several array parameters, one per column, joined for an `unnest(...)`. */
  columns(columns: ReadonlyArray<readonly [readonly unknown[], SqlType]>): string {
    return columns.map(([values, type]) => this.array(values, type)).join(', ');
  }

  /**
   * Rows given by column, as a `FROM` item named `alias` whose columns the statement names: the
   * first column (the rows' key) and every column whose values differ are `unnest`ed arrays; a
   * column with one value in every row is one scalar parameter. Most chunks of deliveries share
   * their status, error, channel, retry count... and PostgreSQL parses each array element from
   * text: 27 arrays of 500 elements cost it about a third of the attempt log (issue 13).
   */
  rows(
    alias: string,
    columns: ReadonlyArray<readonly [name: string, values: readonly unknown[], type: SqlType]>,
  ): string {
    const arrays: string[] = [];
    const arrayNames: string[] = [];
    const scalars: string[] = [];
    columns.forEach(([name, values, type], index) => {
      if (index > 0 && values.length > 0 && sameScalar(values))
        scalars.push(`${this.add(values[0] ?? null, type)} AS ${name}`);
      else {
        arrays.push(this.array(values, type));
        arrayNames.push(name);
      }
    });
    const unnested = `unnest(${arrays.join(', ')}) AS ${alias}(${arrayNames.join(', ')})`;
    return scalars.length === 0 ? unnested : `${unnested} CROSS JOIN (SELECT ${scalars.join(', ')}) AS ${alias}_same`;
  }
}

/** Whether every value is the same string, number, boolean or null (undefined counts as null). */
function sameScalar(values: readonly unknown[]): boolean {
  const first = values[0] ?? null;
  if (first !== null && typeof first === 'object') return false;
  return values.every((value) => (value ?? null) === first);
}

/**
 * The array literal node-postgres would send for `values` (`{"a","b",NULL}`), built in one pass,
 * or undefined to leave it to node-postgres: for values other than strings, numbers, booleans,
 * bigints, bytes and null, and for strings holding a quote or a backslash, which it escapes. Its own
 * serializer runs two regular expressions over every element; the attempt log binds about twenty
 * elements a delivery, and its serializing cost a busy dispatcher 2.7 % of its time (issue 13).
 */
export function arrayLiteral(values: readonly unknown[]): string | undefined {
  let literal = '{';
  for (let index = 0; index < values.length; index++) {
    if (index > 0) literal += ',';
    const value = values[index];
    if (value === null || value === undefined) literal += 'NULL';
    else if (typeof value === 'string') {
      if (value.includes('"') || value.includes('\\')) return undefined;
      literal += `"${value}"`;
    } else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
      literal += `"${String(value)}"`;
    else if (Buffer.isBuffer(value)) literal += `\\\\x${value.toString('hex')}`;
    else return undefined;
  }
  return `${literal}}`;
}
