import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { CompletedSequence, Sequence, SequenceBody, Simulation } from '../api/types';
import { Checkbox, FormErrors, SelectField, TextArea, TextField, splitErrors } from '../components/form';
import { pretty } from '../components/format';
import { LoadError, Loader, Loading, messagesOf, useLoad } from '../components/status';
import { navigate } from '../router';
import { CompletedList } from './sequences';

const UNITS = [
  { value: 'minutes', label: 'minutes', seconds: 60 },
  { value: 'hours', label: 'hours', seconds: 3600 },
  { value: 'days', label: 'days', seconds: 86400 },
];

interface Draft {
  name: string;
  eventTypes: string;
  windowCount: string;
  windowUnit: string;
  ordered: boolean;
  active: boolean;
  webhookUrl: string;
  emails: string;
  subject: string;
  preheader: string;
  message: string;
}

const EMPTY: Draft = {
  name: '',
  eventTypes: '',
  windowCount: '7',
  windowUnit: 'days',
  ordered: true,
  active: true,
  webhookUrl: '',
  emails: '',
  subject: '',
  preheader: '',
  message: '',
};

function draftOf(sequence: Sequence): Draft {
  const unit = [...UNITS].reverse().find((u) => sequence.window_seconds % u.seconds === 0) ?? UNITS[0]!;
  return {
    name: sequence.name,
    eventTypes: sequence.event_types.join('\n'),
    windowCount: String(sequence.window_seconds / unit.seconds),
    windowUnit: unit.value,
    ordered: sequence.ordered,
    active: sequence.active,
    webhookUrl: sequence.webhook_url ?? '',
    emails: (sequence.emails ?? []).join(', '),
    subject: sequence.email_subject ?? '',
    preheader: sequence.email_preheader ?? '',
    message: sequence.email_message ?? '',
  };
}

function bodyOf(draft: Draft): SequenceBody {
  const unit = UNITS.find((u) => u.value === draft.windowUnit) ?? UNITS[0]!;
  const emails = draft.emails
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  return {
    name: draft.name,
    event_types: draft.eventTypes
      .split('\n')
      .map((t) => t.trim())
      .filter(Boolean),
    window_seconds: Math.round(Number(draft.windowCount) * unit.seconds),
    window_unit: `${draft.windowCount} ${unit.value}`,
    ordered: draft.ordered,
    active: draft.active,
    ...(draft.webhookUrl ? { webhook_url: draft.webhookUrl } : {}),
    ...(emails.length ? { emails } : {}),
    ...(draft.subject ? { email_subject: draft.subject } : {}),
    ...(draft.preheader ? { email_preheader: draft.preheader } : {}),
    ...(draft.message ? { email_message: draft.message } : {}),
  };
}

const SAMPLE = pretty([
  { id: 'evt-001', event_type: 'pricing_page_view', created_at: '2025-01-10T09:00:00Z' },
  { id: 'evt-002', event_type: 'demo_request', created_at: '2025-01-11T09:00:00Z' },
]);

export function SequenceEditor({ id }: { id?: string }) {
  const [saved, setSaved] = useState<Sequence | undefined>(undefined);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [errors, setErrors] = useState<string[]>([]);
  const [notice, setNotice] = useState('');
  useEffect(() => {
    if (!id) return;
    api.get<Sequence>(`/sequences/${id}`).then(
      (sequence) => {
        setSaved(sequence);
        setDraft(draftOf(sequence));
      },
      (error: unknown) => setLoadError(messagesOf(error).join('; ')),
    );
  }, [id]);
  if (loadError) return <LoadError message={loadError} retry={() => location.reload()} />;
  if (id && !saved) return <Loading what="the sequence trigger" />;
  const { byField, general } = splitErrors(errors, [
    'name',
    'event_types',
    'window_seconds',
    'window_unit',
    'webhook_url',
    'emails',
    'email_subject',
    'email_preheader',
    'email_message',
  ]);
  const set = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });
  return (
    <section>
      <h1 tabIndex={-1}>{saved ? `Sequence trigger ${saved.name}` : 'New sequence trigger'}</h1>
      <form
        noValidate
        class="editor"
        onSubmit={(event) => {
          event.preventDefault();
          setErrors([]);
          setNotice('');
          const body = bodyOf(draft);
          (saved ? api.put<Sequence>(`/sequences/${saved.id}`, body) : api.post<Sequence>('/sequences', body)).then(
            (stored) => {
              setSaved(stored);
              setNotice('Saved.');
              if (!saved) history.replaceState(null, '', `/console/sequences/${stored.id}`);
            },
            (error: unknown) => setErrors(messagesOf(error)),
          );
        }}
      >
        <TextField label="Name" value={draft.name} onInput={(name) => set({ name })} errors={byField.name} />
        <TextArea
          label="Event types, one per line, in order"
          rows={4}
          value={draft.eventTypes}
          onInput={(eventTypes) => set({ eventTypes })}
          errors={byField.event_types}
        />
        <div class="row">
          <TextField
            label="Window"
            inputMode="numeric"
            value={draft.windowCount}
            onInput={(windowCount) => set({ windowCount })}
            errors={byField.window_seconds}
          />
          <SelectField
            label="Window unit"
            value={draft.windowUnit}
            options={UNITS}
            onChange={(windowUnit) => set({ windowUnit })}
          />
        </div>
        <Checkbox
          label="Ordered: the types must occur in this order"
          checked={draft.ordered}
          onChange={(ordered) => set({ ordered })}
        />
        <Checkbox label="Active" checked={draft.active} onChange={(active) => set({ active })} />
        <TextField
          label="Webhook URL"
          type="url"
          value={draft.webhookUrl}
          onInput={(webhookUrl) => set({ webhookUrl })}
          errors={byField.webhook_url}
        />
        <fieldset>
          <legend>Email notification</legend>
          <TextField
            label="Emails (comma-separated)"
            value={draft.emails}
            onInput={(emails) => set({ emails })}
            errors={byField.emails}
          />
          <TextField
            label="Subject"
            value={draft.subject}
            onInput={(subject) => set({ subject })}
            errors={byField.email_subject}
          />
          <TextField
            label="Preheader"
            value={draft.preheader}
            onInput={(preheader) => set({ preheader })}
            errors={byField.email_preheader}
          />
          <TextArea
            label="Message"
            value={draft.message}
            onInput={(message) => set({ message })}
            errors={byField.email_message}
            rows={4}
          />
        </fieldset>
        <FormErrors messages={general} />
        <div class="actions">
          <button type="submit">Save</button>
          <button type="button" class="secondary" onClick={() => navigate('/sequences')}>
            Back to sequence triggers
          </button>
        </div>
        <p role="status" class="notice">
          {notice}
        </p>
      </form>
      {saved && <Simulate id={saved.id} />}
      {saved && <Completed id={saved.id} />}
    </section>
  );
}

function Simulate({ id }: { id: string }) {
  const [events, setEvents] = useState(SAMPLE);
  const [result, setResult] = useState<Simulation | undefined>(undefined);
  const [errors, setErrors] = useState<string[]>([]);
  return (
    <form
      noValidate
      class="editor"
      aria-label="Simulate"
      onSubmit={(event) => {
        event.preventDefault();
        setErrors([]);
        setResult(undefined);
        let parsed: unknown;
        try {
          parsed = JSON.parse(events);
        } catch (error) {
          setErrors([`the events are not valid JSON: ${(error as Error).message}`]);
          return;
        }
        api
          .post<Simulation>(`/sequences/${id}/simulate`, { events: parsed })
          .then(setResult, (error: unknown) => setErrors(messagesOf(error)));
      }}
    >
      <h2>Simulate</h2>
      <TextArea
        label="Events (a JSON list of {id, event_type, created_at})"
        value={events}
        onInput={setEvents}
        rows={8}
      />
      <FormErrors messages={errors} />
      <button type="submit">Simulate</button>
      {result && (
        <div class={`test-outcome ${result.matched ? 'ok' : 'fail'}`} role="status">
          <strong>{result.matched ? 'The sequence matches' : 'No match'}</strong>
          {result.matched && <p>Matched: {result.events.map((e) => e.event_type).join(' → ')}</p>}
        </div>
      )}
    </form>
  );
}

function Completed({ id }: { id: string }) {
  const state = useLoad(
    () => api.get<{ sequence_events: CompletedSequence[] }>('/sequence-events', { sequence_id: id }),
    [id],
  );
  return (
    <>
      <h2>Completed by leads</h2>
      <Loader state={state} what="completed sequences">
        {(data) => <CompletedList events={data.sequence_events} />}
      </Loader>
    </>
  );
}
