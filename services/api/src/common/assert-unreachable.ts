/** The default of an exhaustive `switch`: a compile error when a case is missing. */
export function assertUnreachable(value: never): never {
  throw new Error(`unexpected value ${String(value)}`);
}
