import { useEffect, useId, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { ActivationObject, Connection, Flow, FlowBody, FlowFilter, Mapping, Tag } from '../api/types';
import { Checkbox, FormErrors, SelectField, TextField, splitErrors } from '../components/form';
import { asText } from '../components/format';
import { LoadError, Loading, messagesOf } from '../components/status';
import { navigate } from '../router';
import { flowBodyOf } from './flows';

const PRESETS = [
  { value: 'registration_create_update', label: 'Registration created or updated' },
  { value: 'registration_status_change', label: 'Registration status changed' },
  { value: 'session_registration_status_change', label: 'Session registration status changed' },
  { value: 'event_create_update', label: 'Event created or updated' },
  { value: 'types', label: 'These event types…' },
];

const ACTIVATION_OBJECTS: Array<{ object: ActivationObject; label: string }> = [
  { object: 'registration_status', label: 'Registration statuses' },
  { object: 'registration_property', label: 'Registration properties' },
  { object: 'session_registration_status', label: 'Session registration statuses' },
  { object: 'event_status', label: 'Event statuses' },
];

const OPERATORS: Array<{ value: FlowFilter['op']; label: string }> = [
  { value: 'eq', label: 'equals' },
  { value: 'neq', label: 'does not equal' },
  { value: 'in', label: 'is one of' },
  { value: 'nin', label: 'is none of' },
  { value: 'exists', label: 'exists' },
  { value: 'contains', label: 'contains' },
];

interface Options {
  connections: Connection[];
  mappings: Mapping[];
  tags: Tag[];
}

interface Draft {
  name: string;
  live: boolean;
  active: boolean;
  preset: string;
  types: string;
  activateFor: Partial<Record<ActivationObject, string[]>>;
  filters: Array<{ on: FlowFilter['on']; field: string; op: FlowFilter['op']; value: string }>;
  connectionId: string;
  payloadMappingId: string;
  headerMappingId: string;
}

const EMPTY: Draft = {
  name: '',
  live: true,
  active: true,
  preset: 'registration_create_update',
  types: '',
  activateFor: {},
  filters: [],
  connectionId: '',
  payloadMappingId: '',
  headerMappingId: '',
};

function draftOf(flow: Flow): Draft {
  const types = flow.source?.types;
  return {
    name: flow.name,
    live: flow.live,
    active: flow.active,
    preset: types ? 'types' : (flow.source?.preset ?? 'registration_create_update'),
    types: (types ?? []).join(', '),
    activateFor: flow.activate_for ?? {},
    filters: (flow.filters ?? []).map((filter) => ({
      ...filter,
      value: Array.isArray(filter.value) ? filter.value.map(asText).join(', ') : asText(filter.value),
    })),
    connectionId: flow.destination?.connection_id ?? '',
    payloadMappingId: flow.destination?.payload_mapping_id ?? '',
    headerMappingId: flow.destination?.header_mapping_id ?? '',
  };
}

const list = (text: string) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

function bodyOf(draft: Draft): FlowBody {
  const activateFor = Object.fromEntries(Object.entries(draft.activateFor).filter(([, tags]) => tags.length > 0));
  return {
    name: draft.name,
    live: draft.live,
    active: draft.active,
    source: draft.preset === 'types' ? { types: list(draft.types) } : { preset: draft.preset },
    activate_for: activateFor,
    filters: draft.filters.map((filter) => ({
      on: filter.on,
      field: filter.field,
      op: filter.op,
      ...(filter.op === 'exists'
        ? {}
        : { value: filter.op === 'in' || filter.op === 'nin' ? list(filter.value) : filter.value }),
    })),
    // A flow may be saved without a destination: it is then incomplete, and says so.
    ...(draft.connectionId && draft.payloadMappingId
      ? {
          destination: {
            connection_id: draft.connectionId,
            payload_mapping_id: draft.payloadMappingId,
            ...(draft.headerMappingId ? { header_mapping_id: draft.headerMappingId } : {}),
          },
        }
      : {}),
  };
}

export function FlowEditor({ id }: { id?: string }) {
  const [options, setOptions] = useState<Options | undefined>(undefined);
  const [saved, setSaved] = useState<Flow | undefined>(undefined);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [errors, setErrors] = useState<string[]>([]);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    Promise.all([
      api.get<{ connections: Connection[] }>('/connections'),
      api.get<{ mappings: Mapping[] }>('/mappings'),
      api.get<{ tags: Tag[] }>('/tags'),
      id ? api.get<Flow>(`/flows/${id}`) : Promise.resolve(undefined),
    ]).then(
      ([connections, mappings, tags, flow]) => {
        setOptions({ connections: connections.connections, mappings: mappings.mappings, tags: tags.tags });
        if (flow) {
          setSaved(flow);
          setDraft(draftOf(flow));
        }
      },
      (error: unknown) => setLoadError(messagesOf(error).join('; ')),
    );
  }, [id]);

  if (loadError) return <LoadError message={loadError} retry={() => location.reload()} />;
  if (!options) return <Loading what="the flow" />;

  const { byField, general } = splitErrors(errors, [
    'name',
    'live',
    'active',
    'source',
    'activate_for',
    'filters',
    'destination',
    'destination.connection_id',
    'destination.payload_mapping_id',
    'destination.header_mapping_id',
  ]);
  const set = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });
  const mappingOptions = options.mappings.map((mapping) => ({ value: mapping.id, label: mapping.name }));

  async function save(): Promise<void> {
    setBusy(true);
    setErrors([]);
    setNotice('');
    try {
      const body = saved ? { ...flowBodyOf(saved), ...bodyOf(draft) } : bodyOf(draft);
      const stored = saved ? await api.put<Flow>(`/flows/${saved.id}`, body) : await api.post<Flow>('/flows', body);
      setSaved(stored);
      setNotice(
        stored.complete ? 'Saved. The flow is complete.' : `Saved. Still missing: ${stored.missing.join(', ')}.`,
      );
      if (!saved) history.replaceState(null, '', `/console/flows/${stored.id}`);
    } catch (error) {
      setErrors(messagesOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <h1 tabIndex={-1}>{saved ? `Flow ${saved.name}` : 'New flow'}</h1>
      <form
        noValidate
        class="editor"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <TextField label="Name" value={draft.name} onInput={(name) => set({ name })} errors={byField.name} required />
        <div class="row">
          <SelectField
            label="Mode"
            value={draft.live ? 'live' : 'test'}
            options={[
              { value: 'live', label: 'Live (real registrations)' },
              { value: 'test', label: 'Test (test registrations and events)' },
            ]}
            onChange={(mode) => set({ live: mode === 'live' })}
            errors={byField.live}
          />
          <Checkbox label="Active" checked={draft.active} onChange={(active) => set({ active })} />
        </div>
        <fieldset>
          <legend>Source</legend>
          <SelectField
            label="Watch"
            value={draft.preset}
            options={PRESETS}
            onChange={(preset) => set({ preset })}
            errors={byField.source}
          />
          {draft.preset === 'types' && (
            <TextField
              label="Event types (comma-separated)"
              value={draft.types}
              onInput={(types) => set({ types })}
              placeholder="pricing_page_view, contract.1#purchased"
            />
          )}
        </fieldset>
        <ActivateFor
          draft={draft}
          tags={options.tags}
          errors={byField.activate_for}
          onChange={(activateFor) => set({ activateFor })}
        />
        <Filters filters={draft.filters} errors={byField.filters} onChange={(filters) => set({ filters })} />
        <fieldset>
          <legend>Destination</legend>
          <SelectField
            label="Connection"
            value={draft.connectionId}
            options={[
              { value: '', label: '— choose —' },
              ...options.connections.map((c) => ({ value: c.id, label: c.name })),
            ]}
            onChange={(connectionId) => set({ connectionId })}
            errors={byField['destination.connection_id']}
          />
          <SelectField
            label="Payload mapping"
            value={draft.payloadMappingId}
            options={[{ value: '', label: '— choose —' }, ...mappingOptions]}
            onChange={(payloadMappingId) => set({ payloadMappingId })}
            errors={byField['destination.payload_mapping_id']}
          />
          <SelectField
            label="Header mapping (optional)"
            value={draft.headerMappingId}
            options={[{ value: '', label: '— none —' }, ...mappingOptions]}
            onChange={(headerMappingId) => set({ headerMappingId })}
            errors={byField['destination.header_mapping_id'] ?? byField.destination}
          />
        </fieldset>
        {saved && !saved.complete && (
          <p class="banner warn">This flow does not run yet: missing {saved.missing.join(', ')}.</p>
        )}
        <FormErrors messages={general} />
        <div class="actions">
          <button type="submit" disabled={busy}>
            Save
          </button>
          <button type="button" class="secondary" onClick={() => navigate('/flows')}>
            Back to flows
          </button>
        </div>
        <p role="status" class="notice">
          {notice}
        </p>
      </form>
    </section>
  );
}

/** Activate-for: per object, the account's tags made for it. */
function ActivateFor({
  draft,
  tags,
  errors,
  onChange,
}: {
  draft: Draft;
  tags: Tag[];
  errors: string[] | undefined;
  onChange: (value: Draft['activateFor']) => void;
}) {
  return (
    <fieldset>
      <legend>Activate for</legend>
      {ACTIVATION_OBJECTS.map(({ object, label }) => {
        const offered = tags.filter((tag) => tag.objects.includes(object));
        const chosen = draft.activateFor[object] ?? [];
        return (
          <div key={object} class="choice-group" role="group" aria-label={label}>
            <span class="group-label">{label}</span>
            {offered.length === 0 && <span class="hint">No tags for this object yet (see Tags).</span>}
            {offered.map((tag) => (
              <Checkbox
                key={tag.name}
                label={tag.label || tag.name}
                checked={chosen.includes(tag.name)}
                onChange={(on) =>
                  onChange({
                    ...draft.activateFor,
                    [object]: on ? [...chosen, tag.name] : chosen.filter((name) => name !== tag.name),
                  })
                }
              />
            ))}
          </div>
        );
      })}
      {errors?.length ? (
        <ul class="field-errors">
          {errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      ) : null}
    </fieldset>
  );
}

function Filters({
  filters,
  errors,
  onChange,
}: {
  filters: Draft['filters'];
  errors: string[] | undefined;
  onChange: (filters: Draft['filters']) => void;
}) {
  const id = useId();
  const update = (index: number, patch: Partial<Draft['filters'][number]>) =>
    onChange(filters.map((filter, at) => (at === index ? { ...filter, ...patch } : filter)));
  return (
    <fieldset>
      <legend>Filters</legend>
      {filters.length === 0 && <p class="hint">No filters: every event of the source that activates is sent.</p>}
      {filters.map((filter, index) => (
        <div class="row compact" key={`${id}-${index}`} role="group" aria-label={`Filter ${index + 1}`}>
          <SelectField
            label="On"
            value={filter.on}
            options={[
              { value: 'event', label: 'Event' },
              { value: 'profile', label: 'Profile' },
              { value: 'attendee_type', label: 'Attendee type tags' },
            ]}
            onChange={(on) => update(index, { on })}
          />
          <TextField label="Field" value={filter.field} onInput={(field) => update(index, { field })} />
          <SelectField
            label="Operator"
            value={filter.op}
            options={OPERATORS}
            onChange={(op) => update(index, { op })}
          />
          {filter.op !== 'exists' && (
            <TextField
              label="Value"
              value={filter.value}
              onInput={(value) => update(index, { value })}
              {...(filter.op === 'in' || filter.op === 'nin' ? { hint: 'comma-separated' } : {})}
            />
          )}
          <button type="button" class="secondary" onClick={() => onChange(filters.filter((_, at) => at !== index))}>
            Remove filter {index + 1}
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
      <button
        type="button"
        class="secondary"
        onClick={() => onChange([...filters, { on: 'event', field: '', op: 'eq', value: '' }])}
      >
        Add filter
      </button>
    </fieldset>
  );
}
