/** What PostgreSQL says about a failed statement (the fields of its error that name no value). */
export interface DatabaseErrorFacts {
  /** The SQLSTATE. */
  code?: unknown;
  table?: unknown;
  column?: unknown;
  constraint?: unknown;
  /** Read only for its structure (`Key (a, b)=`, `is still referenced from table "t"`), never echoed. */
  detail?: unknown;
}

/** How a request the database refused is answered: never with the statement or its values. */
export interface DatabaseRefusal {
  status: 400 | 409 | 503;
  message: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

/** The columns of a unique key, from `Key (tenant_id, name)=(…)`; the tenant is always part of it. */
function keyColumns(detail: string | undefined): string | undefined {
  const columns = detail ? /^Key \(([^)]*)\)=/.exec(detail)?.[1] : undefined;
  const named = columns
    ?.split(',')
    .map((column) => column.trim())
    .filter((column) => column !== 'tenant_id');
  return named && named.length > 0 ? named.join(', ') : undefined;
}

/** Data exceptions (class 22): a value PostgreSQL cannot take as it is. */
const DATA_EXCEPTIONS: Record<string, string> = {
  '22001': 'a text is longer than its field allows',
  '22003': 'a number is out of the range its field allows',
  '22007': 'a date or time is not in a form the database reads',
  '22008': 'a date or time is out of the range the database allows',
  '22021': 'a text holds a character the database cannot store (NUL)',
  '22P02': 'a value is not of the type its field takes',
  '22P05': 'a text holds a character the database cannot store (NUL or a lone surrogate)',
};

/**
 * The answer to a statement PostgreSQL refused because of the request (400: a value it cannot
 * take; 409: the request conflicts with what is stored, such as a unique key created by a
 * concurrent request) or for a moment (503), or undefined when the failure is a bug (500).
 * Messages name tables, columns and constraints, never values. Pure.
 */
export function describeDatabaseRefusal(error: DatabaseErrorFacts): DatabaseRefusal | undefined {
  const code = text(error.code);
  if (!code) return undefined;
  const table = text(error.table);
  const subject = table ? `${table}: ` : '';
  const detail = text(error.detail);
  switch (code) {
    case '23505': {
      const columns = keyColumns(detail);
      return { status: 409, message: `${subject}a record with the same ${columns ?? 'key'} exists` };
    }
    case '23503':
      return detail?.includes('is still referenced')
        ? { status: 409, message: `${subject}the record is still used by another record` }
        : { status: 400, message: `${subject}a reference names a record that does not exist` };
    case '23502':
      return { status: 400, message: `${text(error.column) ?? 'a field'} is required` };
    case '23514':
      return { status: 400, message: `${subject}a value breaks the rule ${text(error.constraint) ?? 'of its field'}` };
    case '23P01':
      return { status: 409, message: `${subject}the record overlaps another one` };
    case '40001':
    case '40P01':
    case '55P03':
    case '57014':
      return { status: 503, message: 'the database could not complete the request in time; try again' };
  }
  if (code.startsWith('22')) {
    return { status: 400, message: DATA_EXCEPTIONS[code] ?? 'a value was refused by the database' };
  }
  // Out of resources, not connected, shutting down: nothing the request did.
  if (code.startsWith('53') || code.startsWith('08') || code.startsWith('57P')) {
    return { status: 503, message: 'the database is not available; try again' };
  }
  return undefined;
}
