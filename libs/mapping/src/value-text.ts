/**
 * A missing value: `undefined` (absent) or `null` (JSON's "no value"). An empty string is a value:
 * Sequel sends `""` for a CTA that was shown but not clicked, and a receiver can tell the two apart.
 */
export function isMissing(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/**
 * The text of a value, where a template, a transform or a header needs text: strings as they are,
 * numbers and booleans as JavaScript prints them, lists joined with ", " (a multi-select answer reads
 * "A, B"), objects as JSON. Missing values are empty text.
 */
export function toText(value: unknown): string {
  if (isMissing(value)) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value))
    return value
      .filter((item) => !isMissing(item))
      .map(toText)
      .join(', ');
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    // Only non-JSON input (a cycle) gets here; rendering reports, it never throws.
    return '';
  }
}
