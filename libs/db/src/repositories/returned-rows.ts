/** TypeORM answers an UPDATE ... RETURNING with `[rows, affected]`, an INSERT or SELECT with the rows. */
export function returnedRows<T>(result: unknown): T[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}
