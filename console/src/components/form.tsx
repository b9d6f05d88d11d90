import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

/**
 * The API's 400 messages by the field they name ("url must be a URL address" → `url`,
 * "auth.password …" → `auth.password`), the longest field name winning; the rest stay general.
 */
export function splitErrors(
  messages: string[],
  fields: string[],
): { byField: Record<string, string[]>; general: string[] } {
  const byField: Record<string, string[]> = {};
  const general: string[] = [];
  const sorted = [...fields].sort((a, b) => b.length - a.length);
  for (const message of messages) {
    const field = sorted.find((name) =>
      new RegExp(`^${name.replace(/[.[\]]/g, '\\$&')}(?=[\\s.:\\[]|$)`).test(message),
    );
    if (field) (byField[field] ??= []).push(message);
    else general.push(message);
  }
  return { byField, general };
}

interface FieldShell {
  label: string;
  errors?: string[] | undefined;
  hint?: string;
}

/** A label, the control, a hint and the field's errors, tied together for screen readers. */
function Shell({ label, errors, hint, id, children }: FieldShell & { id: string; children: ComponentChildren }) {
  return (
    <div class={`field${errors?.length ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {errors?.length ? (
        <ul class="field-errors" id={`${id}-errors`}>
          {errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function describedBy(id: string, hint: string | undefined, errors: string[] | undefined): string | undefined {
  const ids = [hint ? `${id}-hint` : '', errors?.length ? `${id}-errors` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

type InputProps = FieldShell & {
  value: string;
  onInput: (value: string) => void;
  type?: 'text' | 'password' | 'url' | 'datetime-local';
  placeholder?: string;
  required?: boolean;
  autoComplete?: string;
  inputMode?: 'numeric' | 'text';
  /** The id of a datalist of suggestions. */
  list?: string;
};

export function TextField({ label, errors, hint, value, onInput, type = 'text', ...rest }: InputProps) {
  const id = useId();
  // Preact types <input> by its `type`, one union member each; the attributes here suit every type used.
  const attributes = { ...rest, type } as object;
  return (
    <Shell label={label} errors={errors} {...(hint ? { hint } : {})} id={id}>
      <input
        {...attributes}
        id={id}
        value={value}
        onInput={(event) => onInput(event.currentTarget.value)}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, hint, errors)}
      />
    </Shell>
  );
}

type TextAreaProps = FieldShell & {
  value: string;
  onInput: (value: string) => void;
  rows?: number;
  placeholder?: string;
};

export function TextArea({ label, errors, hint, value, onInput, rows = 6, placeholder }: TextAreaProps) {
  const id = useId();
  return (
    <Shell label={label} errors={errors} {...(hint ? { hint } : {})} id={id}>
      <textarea
        id={id}
        rows={rows}
        value={value}
        placeholder={placeholder}
        spellcheck={false}
        onInput={(event) => onInput(event.currentTarget.value)}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, hint, errors)}
      />
    </Shell>
  );
}

type SelectProps<T extends string> = FieldShell & {
  value: T;
  options: Array<{ value: T; label: string }>;
  onChange: (value: T) => void;
};

export function SelectField<T extends string>({ label, errors, hint, value, options, onChange }: SelectProps<T>) {
  const id = useId();
  return (
    <Shell label={label} errors={errors} {...(hint ? { hint } : {})} id={id}>
      <select
        id={id}
        value={value}
        onChange={(event) => onChange(event.currentTarget.value as T)}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, hint, errors)}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </Shell>
  );
}

export function Checkbox({
  label,
  checked,
  onChange,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  const id = useId();
  return (
    <div class="checkbox">
      <input id={id} type="checkbox" checked={checked} onChange={(event) => onChange(event.currentTarget.checked)} />
      <label for={id}>{label}</label>
    </div>
  );
}

/** Problems that belong to no single field, announced when they appear. */
export function FormErrors({ messages }: { messages: string[] }) {
  if (!messages.length) return null;
  return (
    <div class="form-errors" role="alert">
      <p>The API refused this:</p>
      <ul>
        {messages.map((message) => (
          <li key={message}>{message}</li>
        ))}
      </ul>
    </div>
  );
}
