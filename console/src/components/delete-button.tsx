import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import { FormErrors } from './form';
import { messagesOf } from './status';

interface DeleteButtonProps {
  /** What is deleted, as the user knows it: `flow Registrations to CRM`. */
  what: string;
  /** The API path that deletes it. */
  path: string;
  onDeleted: () => void;
}

/**
 * Delete in two steps: the first press asks (focus moves to the question's answer), the second
 * deletes; the API's refusal (a connection a flow still uses) is shown beside it.
 */
export function DeleteButton({ what, path, onDeleted }: DeleteButtonProps) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirm.current?.focus();
  }, [asking]);
  if (!asking)
    return (
      <button type="button" class="secondary danger" onClick={() => setAsking(true)}>
        Delete<span class="visually-hidden"> {what}</span>
      </button>
    );
  return (
    <div class="confirm" role="group" aria-label={`Delete ${what}?`}>
      <p>Delete {what}? This cannot be undone.</p>
      <div class="actions">
        <button
          ref={confirm}
          type="button"
          class="danger"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            setErrors([]);
            api.delete(path).then(onDeleted, (error: unknown) => {
              setErrors(messagesOf(error));
              setBusy(false);
            });
          }}
        >
          Yes, delete<span class="visually-hidden"> {what}</span>
        </button>
        <button type="button" class="secondary" onClick={() => setAsking(false)}>
          Keep it
        </button>
      </div>
      <FormErrors messages={errors} />
    </div>
  );
}
