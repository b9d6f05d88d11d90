import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { AuthType, Connection, ConnectionAuth, ConnectionBody, ConnectionTest } from '../api/types';
import { FormErrors, SelectField, splitErrors, TextField } from '../components/form';
import { HeaderRows, headerRowsOf, headersOf, type HeaderRow } from '../components/header-rows';
import { LoadError, Loading, messagesOf } from '../components/status';
import { formatTime } from '../components/format';
import { navigate } from '../router';

/** What the API answers in place of a stored secret; sent back, it keeps the secret as it is. */
const MASK = '********';

const AUTH_TYPES: Array<{ value: AuthType; label: string }> = [
  { value: 'none', label: 'None' },
  { value: 'basic', label: 'Basic (username and password)' },
  { value: 'api_key', label: 'API key in a header' },
  { value: 'bearer', label: 'Bearer token' },
  { value: 'oauth2', label: 'OAuth 2.0' },
];

/** Each auth type's fields: which are secrets (write-only), with their labels. */
const AUTH_FIELDS: Record<
  AuthType,
  Array<{ name: keyof ConnectionAuth; label: string; secret?: boolean; optional?: boolean }>
> = {
  none: [],
  basic: [
    { name: 'username', label: 'Username' },
    { name: 'password', label: 'Password', secret: true },
  ],
  api_key: [
    { name: 'header', label: 'Header name' },
    { name: 'key', label: 'Key', secret: true },
  ],
  bearer: [{ name: 'token', label: 'Token', secret: true }],
  oauth2: [
    { name: 'client_id', label: 'Client id' },
    { name: 'client_secret', label: 'Client secret', secret: true },
    { name: 'token_url', label: 'Token URL' },
    { name: 'scope', label: 'Scope', optional: true },
    { name: 'refresh_token', label: 'Refresh token (authorization code grant)', secret: true, optional: true },
  ],
};

interface Draft {
  name: string;
  url: string;
  method: ConnectionBody['method'];
  content_type: ConnectionBody['content_type'];
  auth: ConnectionAuth;
  headers: HeaderRow[];
  signing_secret: string;
  timeout_ms: string;
  max_retries: string;
}

const EMPTY: Draft = {
  name: '',
  url: '',
  method: 'POST',
  content_type: 'application/json',
  auth: { type: 'none' },
  headers: [],
  signing_secret: '',
  timeout_ms: '',
  max_retries: '',
};

/** The stored connection as a form: secrets empty (the saved ones stay unless replaced). */
function draftOf(connection: Connection): Draft {
  const auth: ConnectionAuth = { ...connection.auth };
  for (const field of AUTH_FIELDS[auth.type]) if (field.secret) delete auth[field.name];
  return {
    name: connection.name,
    url: connection.url,
    method: connection.method,
    content_type: connection.content_type,
    auth,
    headers: headerRowsOf(connection.headers),
    signing_secret: '',
    timeout_ms: connection.timeout_ms === undefined ? '' : String(connection.timeout_ms),
    max_retries: connection.max_retries === undefined ? '' : String(connection.max_retries),
  };
}

function bodyOf(draft: Draft, saved: Connection | undefined): ConnectionBody {
  const auth: ConnectionAuth = { type: draft.auth.type };
  for (const field of AUTH_FIELDS[draft.auth.type]) {
    const value = draft.auth[field.name];
    const kept = field.secret && saved?.auth.type === draft.auth.type && saved.auth[field.name] === MASK;
    if (typeof value === 'string' && value !== '') auth[field.name] = value as never;
    else if (kept) auth[field.name] = MASK as never;
  }
  if (draft.auth.type === 'oauth2') auth.grant_type = draft.auth.grant_type ?? 'client_credentials';
  const number = (text: string) => (text.trim() === '' ? undefined : Number(text));
  return {
    name: draft.name,
    url: draft.url,
    method: draft.method,
    content_type: draft.content_type,
    auth,
    headers: headersOf(draft.headers),
    ...(draft.signing_secret ? { signing_secret: draft.signing_secret } : {}),
    ...(number(draft.timeout_ms) === undefined ? {} : { timeout_ms: number(draft.timeout_ms)! }),
    ...(number(draft.max_retries) === undefined ? {} : { max_retries: number(draft.max_retries)! }),
  };
}

const FIELDS = [
  'name',
  'url',
  'method',
  'content_type',
  'auth',
  'headers',
  'signing_secret',
  'timeout_ms',
  'max_retries',
  ...Object.values(AUTH_FIELDS).flatMap((fields) => fields.map((field) => `auth.${field.name}`)),
];

export function ConnectionEditor({ id }: { id?: string }) {
  const [saved, setSaved] = useState<Connection | undefined>(undefined);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [test, setTest] = useState<ConnectionTest | undefined>(undefined);
  const [notice, setNotice] = useState('');

  useEffect(() => {
    if (!id) return;
    api.get<Connection>(`/connections/${id}`).then(
      (connection) => {
        setSaved(connection);
        setDraft(draftOf(connection));
      },
      (error: unknown) => setLoadError(messagesOf(error).join('; ')),
    );
  }, [id]);

  if (loadError) return <LoadError message={loadError} retry={() => location.reload()} />;
  if (id && !saved) return <Loading what="the connection" />;

  const { byField, general } = splitErrors(errors, FIELDS);
  const set = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });
  const setAuth = (patch: Partial<ConnectionAuth>) => set({ auth: { ...draft.auth, ...patch } });

  /** Saves (nothing typed is lost if the API refuses), then runs the test when asked. */
  async function save(andTest: boolean): Promise<void> {
    setBusy(true);
    setErrors([]);
    setTest(undefined);
    setNotice('');
    try {
      const body = bodyOf(draft, saved);
      const stored = saved
        ? await api.put<Connection>(`/connections/${saved.id}`, body)
        : await api.post<Connection>('/connections', body);
      setSaved(stored);
      setDraft(draftOf(stored));
      setNotice('Saved.');
      if (!saved) history.replaceState(null, '', `/console/connections/${stored.id}`);
      if (andTest) setTest(await api.post<ConnectionTest>(`/connections/${stored.id}/test`));
    } catch (error) {
      setErrors(messagesOf(error));
    } finally {
      setBusy(false);
    }
  }

  async function togglePause(): Promise<void> {
    if (!saved) return;
    setBusy(true);
    try {
      const changed = await api.post<Connection>(`/connections/${saved.id}/${saved.paused ? 'resume' : 'pause'}`);
      setSaved(changed);
      setNotice(
        changed.paused ? 'Paused: deliveries are held until you resume.' : 'Resumed: held deliveries go now, in order.',
      );
    } catch (error) {
      setErrors(messagesOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <h1 tabIndex={-1}>{saved ? `Connection ${saved.name}` : 'New connection'}</h1>
      {saved?.paused && (
        <p class="banner warn">
          Paused since {formatTime(saved.paused.at)}
          {saved.paused.reason ? ` (${saved.paused.reason})` : ''}: its deliveries are held, not lost.
        </p>
      )}
      <form
        noValidate
        class="editor"
        onSubmit={(event) => {
          event.preventDefault();
          void save(false);
        }}
      >
        <TextField label="Name" value={draft.name} onInput={(name) => set({ name })} errors={byField.name} required />
        <TextField
          label="URL"
          type="url"
          value={draft.url}
          onInput={(url) => set({ url })}
          errors={byField.url}
          placeholder="https://crm.example.com/webhooks/flowline"
          required
        />
        <div class="row">
          <SelectField
            label="Method"
            value={draft.method}
            options={[
              { value: 'POST', label: 'POST' },
              { value: 'GET', label: 'GET' },
            ]}
            onChange={(method) => set({ method })}
            errors={byField.method}
          />
          <SelectField
            label="Content type"
            value={draft.content_type}
            options={[
              { value: 'application/json', label: 'JSON' },
              { value: 'application/x-www-form-urlencoded', label: 'Form (x-www-form-urlencoded)' },
            ]}
            onChange={(content_type) => set({ content_type })}
            errors={byField.content_type}
          />
        </div>
        <fieldset>
          <legend>Authentication</legend>
          <SelectField
            label="Type"
            value={draft.auth.type}
            options={AUTH_TYPES}
            onChange={(type) => set({ auth: { type } })}
            errors={byField.auth}
          />
          {draft.auth.type === 'oauth2' && (
            <SelectField
              label="Grant type"
              value={draft.auth.grant_type ?? 'client_credentials'}
              options={[
                { value: 'client_credentials', label: 'Client credentials' },
                { value: 'authorization_code', label: 'Authorization code (refresh token)' },
              ]}
              onChange={(grant_type) => setAuth({ grant_type })}
            />
          )}
          {AUTH_FIELDS[draft.auth.type].map((field) => {
            const stored = saved?.auth.type === draft.auth.type && saved.auth[field.name] === MASK;
            return (
              <TextField
                key={field.name}
                label={field.label}
                type={field.secret ? 'password' : 'text'}
                autoComplete={field.secret ? 'new-password' : 'off'}
                value={String(draft.auth[field.name] ?? '')}
                onInput={(value) => setAuth({ [field.name]: value })}
                errors={byField[`auth.${field.name}`]}
                {...(field.secret
                  ? {
                      hint: stored
                        ? 'Saved; leave empty to keep it, or type a new one.'
                        : 'Write-only: it is never shown again.',
                    }
                  : {})}
                placeholder={stored ? '•••••••• (saved)' : field.optional ? 'optional' : ''}
              />
            );
          })}
        </fieldset>
        <HeaderRows rows={draft.headers} onChange={(headers) => set({ headers })} errors={byField.headers} />
        <TextField
          label="Signing secret (Standard Webhooks)"
          type="password"
          autoComplete="new-password"
          value={draft.signing_secret}
          onInput={(signing_secret) => set({ signing_secret })}
          errors={byField.signing_secret}
          placeholder={saved?.signing_secret ? '•••••••• (saved)' : 'whsec_…'}
          hint={
            saved?.signing_secret
              ? 'Saved; leave empty to keep it.'
              : 'Optional: signs each request with webhook-signature.'
          }
        />
        <div class="row">
          <TextField
            label="Timeout (ms)"
            inputMode="numeric"
            value={draft.timeout_ms}
            onInput={(timeout_ms) => set({ timeout_ms })}
            errors={byField.timeout_ms}
            placeholder="15000"
          />
          <TextField
            label="Automatic retries"
            inputMode="numeric"
            value={draft.max_retries}
            onInput={(max_retries) => set({ max_retries })}
            errors={byField.max_retries}
            placeholder="3"
          />
        </div>
        <FormErrors messages={general} />
        <div class="actions">
          <button type="submit" disabled={busy}>
            Save
          </button>
          <button type="button" disabled={busy} onClick={() => void save(true)}>
            Save &amp; Test
          </button>
          {saved && (
            <button type="button" class="secondary" disabled={busy} onClick={() => void togglePause()}>
              {saved.paused ? 'Resume' : 'Pause'}
            </button>
          )}
          <button type="button" class="secondary" onClick={() => navigate('/connections')}>
            Back to connections
          </button>
        </div>
        <p role="status" class="notice">
          {notice}
        </p>
        {test && <TestOutcome test={test} />}
      </form>
    </section>
  );
}

function TestOutcome({ test }: { test: ConnectionTest }) {
  return (
    <div class={`test-outcome ${test.ok ? 'ok' : 'fail'}`} role="status">
      <strong>{test.ok ? 'Test succeeded' : 'Test failed'}</strong>
      <span>
        {' '}
        — status {test.status ?? 'none'}, {test.latency_ms} ms
      </span>
      {test.error && <p>{test.error}</p>}
    </div>
  );
}
