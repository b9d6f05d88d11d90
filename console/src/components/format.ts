/** Times as the user's locale writes them; the API's ISO text in the title for exactness. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** A JSON value as a text input shows it: text as is, anything else as JSON. */
export function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
