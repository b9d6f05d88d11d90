/**
 * What Grafana does to a PostgreSQL panel's SQL before the database sees it, for the macros and
 * variable formats the analysts' dashboard uses, so a test can run the dashboard's own queries.
 * It mirrors Grafana's documented expansion in its two steps:
 *
 * 1. Template variables, in the browser (`templateSrv.replace` with the SQL data sources'
 *    `interpolateVariable`): a variable that is multi-value or has "Include All" is quoted as SQL
 *    literals, `'a'` or `'a','b'` (quotes doubled inside); a plain single-value variable is
 *    inserted as is, quotes doubled; "All" is the variable's custom all value inserted raw, or
 *    else every option's value, quoted and joined.
 * 2. Macros, in the PostgreSQL data source's backend (`macros.go`): `$__timeFilter(col)` is
 *    `col BETWEEN '<from>' AND '<to>'`, `$__timeFrom()` / `$__timeTo()` are `'<from>'` / `'<to>'`
 *    (UTC, RFC 3339 with nanoseconds, trailing zeros dropped), `$__timeGroupAlias(col, '1h')` is
 *    `floor(extract(epoch from col)/3600)*3600 AS "time"`. Any other macro is refused here.
 */

/** A template variable as the dashboard JSON defines it (the fields interpolation reads). */
export interface DashboardVariable {
  name: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
}

/** What is selected: one value, several, or "All" (whose options are needed when there is no custom all value). */
export type Selection = string | readonly string[] | { all: readonly string[] };

export interface GrafanaQueryContext {
  from: Date;
  to: Date;
  variables: readonly DashboardVariable[];
  selections: Readonly<Record<string, Selection>>;
}

const quoteLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;

function formatVariable(variable: DashboardVariable, selection: Selection): string {
  if (typeof selection === 'object' && 'all' in selection) {
    if (variable.allValue) return variable.allValue; // a custom all value is not formatted
    return selection.all.map(quoteLiteral).join(',');
  }
  if (typeof selection === 'string') {
    return variable.multi || variable.includeAll ? quoteLiteral(selection) : selection.replace(/'/g, "''");
  }
  return selection.map(quoteLiteral).join(',');
}

/** Go's `time.RFC3339Nano` in UTC: fractional seconds without trailing zeros, none when whole. */
export function rfc3339Nano(time: Date): string {
  return time.toISOString().replace(/\.(\d*?)0*Z$/, (_match, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

const INTERVAL_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

function intervalSeconds(text: string): number {
  const match = /^(\d+)([smhdw])$/.exec(text.replace(/'/g, ''));
  if (!match) throw new Error(`unsupported interval ${text}`);
  return Number(match[1]) * INTERVAL_SECONDS[match[2]!]!;
}

function expandMacro(name: string, args: string[], context: GrafanaQueryContext): string {
  const from = `'${rfc3339Nano(context.from)}'`;
  const to = `'${rfc3339Nano(context.to)}'`;
  switch (name) {
    case '__timeFilter':
      return `${args[0]} BETWEEN ${from} AND ${to}`;
    case '__timeFrom':
      return from;
    case '__timeTo':
      return to;
    case '__timeGroupAlias': {
      const seconds = intervalSeconds(args[1] ?? '');
      return `floor(extract(epoch from ${args[0]})/${seconds})*${seconds} AS "time"`;
    }
    default:
      throw new Error(`macro $${name} is not mirrored by this helper`);
  }
}

/** The SQL Grafana would send to PostgreSQL for `sql` under `context`. */
export function interpolateGrafanaSql(sql: string, context: GrafanaQueryContext): string {
  const byName = new Map(context.variables.map((variable) => [variable.name, variable]));
  const withVariables = sql.replace(/\$\{(\w+)\}|\$(\w+)/g, (match, braced?: string, bare?: string) => {
    const name = (braced ?? bare)!;
    const variable = byName.get(name);
    if (!variable) return match; // not a variable: a macro, left for the backend
    const selection = context.selections[name];
    if (selection === undefined) throw new Error(`no selection for $${name}`);
    return formatVariable(variable, selection);
  });
  return withVariables.replace(/\$([_a-zA-Z0-9]+)\(([^)]*)\)/g, (_match, name: string, args: string) =>
    expandMacro(
      name,
      args.split(',').map((arg) => arg.trim()),
      context,
    ),
  );
}
