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
    return `$${this.values.push(values)}::${type}[]`;
  }

  /** Several array parameters, one per column, joined for an `unnest(...)`. */
  columns(columns: ReadonlyArray<readonly [readonly unknown[], SqlType]>): string {
    return columns.map(([values, type]) => this.array(values, type)).join(', ');
  }
}
