import { useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Tag } from '../api/types';
import { Checkbox, FormErrors, SelectField, TextField, splitErrors } from '../components/form';
import { Empty, Loader, messagesOf, useLoad } from '../components/status';

const OBJECTS = [
  { value: 'registration_status', label: 'Registration status' },
  { value: 'registration_property', label: 'Registration property' },
  { value: 'session_registration_status', label: 'Session registration status' },
  { value: 'event_status', label: 'Event status' },
  { value: 'attendee_type', label: 'Attendee type' },
  { value: 'event', label: 'Event' },
  { value: 'question', label: 'Registration question' },
];

/** Tags (CONTRACT §3): account-level labels, and the values of objects they are applied to. */
export function TagsPage() {
  const state = useLoad(() => api.get<{ tags: Tag[] }>('/tags'), []);
  return (
    <section>
      <h1 tabIndex={-1}>Tags</h1>
      <p class="lead">
        Labels applied to values of objects, e.g. the registration status Registered; flows activate for them.
      </p>
      <NewTag onCreated={state.reload} />
      <Loader state={state} what="tags">
        {(data) =>
          data.tags.length ? (
            <ul class="tag-list">
              {data.tags.map((tag) => (
                <TagItem key={tag.name} tag={tag} onChanged={state.reload} />
              ))}
            </ul>
          ) : (
            <Empty>No tags yet.</Empty>
          )
        }
      </Loader>
    </section>
  );
}

function NewTag({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [label, setLabel] = useState('');
  const [objects, setObjects] = useState<string[]>([]);
  const [errors, setErrors] = useState<string[]>([]);
  const { byField, general } = splitErrors(errors, ['name', 'label', 'objects']);
  return (
    <form
      noValidate
      class="editor"
      aria-label="New tag"
      onSubmit={(event) => {
        event.preventDefault();
        setErrors([]);
        api.post('/tags', { name, label, objects }).then(
          () => {
            setName('');
            setLabel('');
            setObjects([]);
            onCreated();
          },
          (error: unknown) => setErrors(messagesOf(error)),
        );
      }}
    >
      <h2>New tag</h2>
      <div class="row">
        <TextField label="Tag name" value={name} onInput={setName} errors={byField.name} placeholder="registered" />
        <TextField label="Label" value={label} onInput={setLabel} errors={byField.label} placeholder="Registered" />
      </div>
      <div class="choice-group" role="group" aria-label="Objects the tag applies to">
        <span class="group-label">Applies to</span>
        {OBJECTS.map((object) => (
          <Checkbox
            key={object.value}
            label={object.label}
            checked={objects.includes(object.value)}
            onChange={(on) => setObjects(on ? [...objects, object.value] : objects.filter((o) => o !== object.value))}
          />
        ))}
      </div>
      {byField.objects && <FormErrors messages={byField.objects} />}
      <FormErrors messages={general} />
      <button type="submit">Create tag</button>
    </form>
  );
}

function TagItem({ tag, onChanged }: { tag: Tag; onChanged: () => void }) {
  const [object, setObject] = useState(tag.objects[0] ?? 'registration_status');
  const [value, setValue] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const save = (assignments: Tag['assignments']) => {
    setErrors([]);
    api.put(`/tags/${encodeURIComponent(tag.name)}/assignments`, assignments).then(
      () => {
        setValue('');
        onChanged();
      },
      (error: unknown) => setErrors(messagesOf(error)),
    );
  };
  return (
    <li class="tag">
      <h2>
        {tag.label} <code>{tag.name}</code>
      </h2>
      <p class="hint">Applies to: {tag.objects.join(', ')}</p>
      {tag.assignments.length ? (
        <ul class="assignments">
          {tag.assignments.map((assignment) => (
            <li key={`${assignment.object}:${assignment.value}`}>
              {assignment.object}: <strong>{assignment.value}</strong>{' '}
              <button
                type="button"
                class="secondary"
                onClick={() => save(tag.assignments.filter((a) => a !== assignment))}
              >
                Remove {assignment.value}
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p class="hint">Not applied to any value yet.</p>
      )}
      <form
        noValidate
        class="row compact"
        aria-label={`Apply ${tag.name}`}
        onSubmit={(event) => {
          event.preventDefault();
          save([...tag.assignments, { object, value }]);
        }}
      >
        <SelectField
          label="Object"
          value={object}
          options={OBJECTS.filter((o) => tag.objects.includes(o.value))}
          onChange={setObject}
        />
        <TextField label="Value" value={value} onInput={setValue} placeholder="Registered" />
        <button type="submit">Apply {tag.name}</button>
      </form>
      <FormErrors messages={errors} />
    </li>
  );
}
