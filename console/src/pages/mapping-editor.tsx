import { useEffect, useId, useState } from 'preact/hooks';
import { ApiError, api } from '../api/client';
import type { Mapping, MappingBody, Preview } from '../api/types';
import { FormErrors, TextArea, TextField, splitErrors } from '../components/form';
import { pretty } from '../components/format';
import { LoadError, Loading, messagesOf } from '../components/status';
import { navigate } from '../router';
import { FIELD_CATALOGUE, SAMPLE_EVENTS } from './catalogue';
import { FieldDraft, MappingFieldRow, NEW_FIELD, fieldDraftOf, mappingFieldOf } from './mapping-field-row';

/** Which row a message of the API is about: by its target name, or by `fields[N]`. */
function rowErrors(messages: string[], drafts: FieldDraft[], index: number): string[] {
  const target = drafts[index]?.target;
  return messages.filter((message) => {
    const text = message.replace(/^(mapping|fields): /, '');
    return (target && text.startsWith(`${target}:`)) || text.startsWith(`fields[${index}]`);
  });
}

function bodyOf(name: string, drafts: FieldDraft[]): MappingBody {
  return { name, fields: drafts.map(mappingFieldOf) };
}

export function MappingEditor({ id }: { id?: string }) {
  const catalogueId = useId();
  const [saved, setSaved] = useState<Mapping | undefined>(undefined);
  const [name, setName] = useState('');
  const [drafts, setDrafts] = useState<FieldDraft[]>([{ ...NEW_FIELD }]);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [errors, setErrors] = useState<string[]>([]);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const [sample, setSample] = useState(pretty(SAMPLE_EVENTS['registration.created']));

  useEffect(() => {
    if (!id) return;
    api.get<Mapping>(`/mappings/${id}`).then(
      (mapping) => {
        setSaved(mapping);
        setName(mapping.name);
        setDrafts(mapping.fields.map(fieldDraftOf));
      },
      (error: unknown) => setLoadError(messagesOf(error).join('; ')),
    );
  }, [id]);

  const preview = useLivePreview(drafts, sample);

  if (loadError) return <LoadError message={loadError} retry={() => location.reload()} />;
  if (id && !saved) return <Loading what="the mapping" />;

  const { byField, general } = splitErrors(errors, ['name']);
  const rowMessages = (index: number) => rowErrors([...errors, ...preview.problems], drafts, index);
  const unplaced = general.filter((message) => !drafts.some((_, index) => rowErrors([message], drafts, index).length));

  async function save(): Promise<void> {
    setBusy(true);
    setErrors([]);
    setNotice('');
    try {
      const body = bodyOf(name, drafts);
      const stored = saved
        ? await api.put<Mapping>(`/mappings/${saved.id}`, body)
        : await api.post<Mapping>('/mappings', body);
      setSaved(stored);
      setNotice('Saved.');
      if (!saved) history.replaceState(null, '', `/console/mappings/${stored.id}`);
    } catch (error) {
      setErrors(messagesOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <h1 tabIndex={-1}>{saved ? `Mapping ${saved.name}` : 'New mapping'}</h1>
      <datalist id={catalogueId}>
        {FIELD_CATALOGUE.flatMap((group) =>
          group.fields.map((field) => (
            <option key={field.value} value={field.value}>
              {`${group.group}: ${field.label}`}
            </option>
          )),
        )}
      </datalist>
      <div class="split">
        <form
          noValidate
          class="editor"
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <TextField label="Name" value={name} onInput={setName} errors={byField.name} required />
          {drafts.map((draft, index) => (
            <MappingFieldRow
              key={index}
              index={index}
              draft={draft}
              errors={rowMessages(index)}
              catalogueId={catalogueId}
              onChange={(next) => setDrafts(drafts.map((old, at) => (at === index ? next : old)))}
              onRemove={() => setDrafts(drafts.filter((_, at) => at !== index))}
            />
          ))}
          <button type="button" class="secondary" onClick={() => setDrafts([...drafts, { ...NEW_FIELD }])}>
            Add target field
          </button>
          <FormErrors messages={unplaced} />
          <div class="actions">
            <button type="submit" disabled={busy}>
              Save
            </button>
            <button type="button" class="secondary" onClick={() => navigate('/mappings')}>
              Back to mappings
            </button>
          </div>
          <p role="status" class="notice">
            {notice}
          </p>
        </form>
        <aside class="preview" aria-labelledby={`${catalogueId}-preview`}>
          <h2 id={`${catalogueId}-preview`}>Live preview</h2>
          <div class="actions">
            {Object.keys(SAMPLE_EVENTS).map((type) => (
              <button key={type} type="button" class="secondary" onClick={() => setSample(pretty(SAMPLE_EVENTS[type]))}>
                Sample {type}
              </button>
            ))}
          </div>
          <TextArea
            label="Sample event (paste one)"
            value={sample}
            onInput={setSample}
            rows={12}
            hint="The canonical envelope: id, type, subject, time, data. Nothing is sent."
          />
          <PreviewResult preview={preview} />
        </aside>
      </div>
    </section>
  );
}

interface LivePreview {
  result: Preview | undefined;
  /** What keeps the mapping from rendering: the API's 400 messages, or the sample's JSON error. */
  problems: string[];
  pending: boolean;
}

/** Renders the mapping against the sample as the user types, a moment after the last keystroke. */
function useLivePreview(drafts: FieldDraft[], sample: string): LivePreview {
  const [state, setState] = useState<LivePreview>({ result: undefined, problems: [], pending: true });
  const key = JSON.stringify([drafts, sample]);
  useEffect(() => {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(sample) as Record<string, unknown>;
    } catch (error) {
      setState({
        result: undefined,
        problems: [`the sample event is not valid JSON: ${(error as Error).message}`],
        pending: false,
      });
      return;
    }
    let current = true;
    setState((previous) => ({ ...previous, pending: true }));
    const timer = setTimeout(() => {
      api.post<Preview>('/mappings/preview', { mapping: { fields: drafts.map(mappingFieldOf) }, event }).then(
        (result) => current && setState({ result, problems: result.errors, pending: false }),
        (error: unknown) =>
          current &&
          setState({
            result: undefined,
            problems: error instanceof ApiError ? error.messages : messagesOf(error),
            pending: false,
          }),
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key]);
  return state;
}

function PreviewResult({ preview }: { preview: LivePreview }) {
  return (
    <div class="preview-result" aria-live="polite" aria-busy={preview.pending}>
      {preview.problems.length > 0 && (
        <div class="form-errors">
          <p>Validation errors</p>
          <ul class="preview-errors">
            {preview.problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      )}
      {preview.result && (
        <>
          <h3>Payload</h3>
          <pre class="payload" tabIndex={0}>
            {pretty(preview.result.payload)}
          </pre>
          <h3>Headers</h3>
          <pre class="headers" tabIndex={0}>
            {pretty(preview.result.headers)}
          </pre>
        </>
      )}
    </div>
  );
}
