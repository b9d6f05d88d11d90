import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';

/** Rows per table (`table.column` → count) that mention a subject. */
export type Mentions = Record<string, number>;

interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
}

/** The 16-byte SHA-256 prefix tables keep instead of a subject (insights, dedupe). */
function digestOf(subject: string): Buffer {
  return createHash('sha256').update(subject).digest().subarray(0, 16);
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Counts, column by column of every table of the schema (read from information_schema, so a
 * table added later is searched too), the rows mentioning `subject`: its text in any column read
 * as text (text, jsonb, arrays, anything), its UTF-8 bytes or its digest in any bytea column.
 * Tables with a `tenant_id` are searched for `tenant`'s rows only: the same subject of another
 * tenant is that tenant's.
 */
export async function subjectMentions(dataSource: DataSource, tenant: string, subject: string): Promise<Mentions> {
  const columns = await dataSource.query<ColumnRow[]>(
    `SELECT c.table_name, c.column_name, c.data_type
       FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const tables = new Map<string, ColumnRow[]>();
  for (const column of columns) tables.set(column.table_name, [...(tables.get(column.table_name) ?? []), column]);
  const mentions: Mentions = {};
  for (const [table, tableColumns] of tables) {
    const scoped = tableColumns.some((column) => column.column_name === 'tenant_id');
    for (const column of tableColumns) {
      const name = quote(column.column_name);
      const [condition, values]: [string, unknown[]] =
        column.data_type === 'bytea'
          ? [
              `(position($1::bytea in ${name}) > 0 OR position($2::bytea in ${name}) > 0)`,
              [Buffer.from(subject, 'utf8'), digestOf(subject)],
            ]
          : [`strpos(${name}::text, $1) > 0`, [subject]];
      const tenantCondition = scoped ? ` AND tenant_id = $${values.length + 1}` : '';
      const [row] = await dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM ${quote(table)} WHERE ${condition}${tenantCondition}`,
        [...values, ...(scoped ? [tenant] : [])],
      );
      if (row!.count > 0) mentions[`${table}.${column.column_name}`] = row!.count;
    }
  }
  return mentions;
}
