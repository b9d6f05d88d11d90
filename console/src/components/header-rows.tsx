import { useId } from 'preact/hooks';

export interface HeaderRow {
  name: string;
  value: string;
}

export function headerRowsOf(headers: Record<string, string>): HeaderRow[] {
  return Object.entries(headers).map(([name, value]) => ({ name, value }));
}

export function headersOf(rows: HeaderRow[]): Record<string, string> {
  return Object.fromEntries(rows.filter((row) => row.name.trim() !== '').map((row) => [row.name.trim(), row.value]));
}

/** Static custom headers (e.g. X-Company-ID), one row each. */
export function HeaderRows({
  rows,
  onChange,
  errors,
}: {
  rows: HeaderRow[];
  onChange: (rows: HeaderRow[]) => void;
  errors?: string[] | undefined;
}) {
  const id = useId();
  const update = (index: number, patch: Partial<HeaderRow>) =>
    onChange(rows.map((row, at) => (at === index ? { ...row, ...patch } : row)));
  return (
    <fieldset>
      <legend>Custom headers</legend>
      {rows.map((row, index) => (
        <div class="row compact" key={index}>
          <div class="field">
            <label for={`${id}-n${index}`}>Header {index + 1} name</label>
            <input
              id={`${id}-n${index}`}
              value={row.name}
              onInput={(event) => update(index, { name: event.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for={`${id}-v${index}`}>Header {index + 1} value</label>
            <input
              id={`${id}-v${index}`}
              value={row.value}
              onInput={(event) => update(index, { value: event.currentTarget.value })}
            />
          </div>
          <button type="button" class="secondary" onClick={() => onChange(rows.filter((_, at) => at !== index))}>
            Remove header {index + 1}
          </button>
        </div>
      ))}
      {errors?.length ? (
        <ul class="field-errors">
          {errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      ) : null}
      <button type="button" class="secondary" onClick={() => onChange([...rows, { name: '', value: '' }])}>
        Add header
      </button>
    </fieldset>
  );
}
