import { useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Session } from '../api/types';
import { TextField } from '../components/form';
import { messagesOf } from '../components/status';

/** The API key goes to the server once, in exchange for the session cookie; the console keeps no copy. */
export function SignInPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  return (
    <main id="main" class="sign-in">
      <h1>Sign in to Flowline</h1>
      <p>Use your tenant's API key. The console exchanges it for a session and does not keep it.</p>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          api.signIn(key.trim()).then(
            (session) => {
              setKey('');
              onSignedIn(session);
            },
            (error: unknown) => {
              setErrors(messagesOf(error));
              setBusy(false);
            },
          );
        }}
      >
        <TextField
          label="API key"
          type="password"
          autoComplete="off"
          value={key}
          onInput={setKey}
          required
          errors={errors}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
