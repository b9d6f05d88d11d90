import { useId } from 'preact/hooks';
import type { MappingField, TransformName } from '../api/types';
import { Checkbox, SelectField, TextField } from '../components/form';
import { asText } from '../components/format';

export type FieldKind = 'source' | 'template' | 'value';

/** One target field as the form edits it: text everywhere, turned into the API's shape on save. */
export interface FieldDraft {
  target: string;
  kind: FieldKind;
  source: string;
  template: string;
  value: string;
  transforms: TransformName[];
  valueMap: string;
  fallback: string;
  required: boolean;
}

export const NEW_FIELD: FieldDraft = {
  target: '',
  kind: 'source',
  source: '',
  template: '',
  value: '',
  transforms: [],
  valueMap: '',
  fallback: '',
  required: false,
};

const TRANSFORMS: TransformName[] = ['trim', 'lower', 'upper', 'proper'];

export function fieldDraftOf(field: MappingField): FieldDraft {
  const kind: FieldKind = field.template !== undefined ? 'template' : field.value !== undefined ? 'value' : 'source';
  return {
    target: field.target,
    kind,
    source: field.source ?? '',
    template: field.template ?? '',
    value: asText(field.value),
    transforms: field.transforms ?? [],
    valueMap: Object.entries(field.value_map ?? {})
      .map(([from, to]) => `${from}=${to}`)
      .join('\n'),
    fallback: asText(field.default),
    required: field.required ?? false,
  };
}

export function mappingFieldOf(draft: FieldDraft): MappingField {
  const field: MappingField = { target: draft.target };
  if (draft.kind === 'source') field.source = draft.source;
  if (draft.kind === 'template') field.template = draft.template;
  if (draft.kind === 'value') field.value = draft.value;
  if (draft.transforms.length) field.transforms = draft.transforms;
  const pairs = draft.valueMap
    .split('\n')
    .map((line) => line.split('='))
    .filter((parts) => parts.length >= 2 && parts[0]!.trim() !== '');
  if (pairs.length)
    field.value_map = Object.fromEntries(pairs.map(([from, ...to]) => [from!.trim(), to.join('=').trim()]));
  if (draft.fallback !== '') field.default = draft.fallback;
  if (draft.required) field.required = true;
  return field;
}

interface RowProps {
  index: number;
  draft: FieldDraft;
  errors: string[];
  catalogueId: string;
  onChange: (draft: FieldDraft) => void;
  onRemove: () => void;
}

/** One target field: where its value comes from, how it is transformed, and whether it is required. */
export function MappingFieldRow({ index, draft, errors, catalogueId, onChange, onRemove }: RowProps) {
  const id = useId();
  const set = (patch: Partial<FieldDraft>) => onChange({ ...draft, ...patch });
  const name = draft.target || `field ${index + 1}`;
  return (
    <fieldset class={`mapping-field${errors.length ? ' invalid' : ''}`}>
      <legend>Target field {index + 1}</legend>
      <div class="row">
        <TextField
          label="Target"
          value={draft.target}
          onInput={(target) => set({ target })}
          hint="Dotted paths nest: contact.first_name"
          placeholder="email"
        />
        <SelectField
          label="Value from"
          value={draft.kind}
          options={[
            { value: 'source', label: 'A field of the event' },
            { value: 'template', label: 'Fixed text and fields' },
            { value: 'value', label: 'A static value' },
          ]}
          onChange={(kind) => set({ kind })}
        />
      </div>
      {draft.kind === 'source' && (
        <TextField
          label="Source"
          value={draft.source}
          onInput={(source) => set({ source })}
          list={catalogueId}
          hint="Pick from the field catalogue or type a path into the event, e.g. profile.position"
        />
      )}
      {draft.kind === 'template' && (
        <TextField
          label="Template"
          value={draft.template}
          onInput={(template) => set({ template })}
          placeholder="{{profile.position}} @ {{profile.organization}}"
        />
      )}
      {draft.kind === 'value' && (
        <TextField label="Static value" value={draft.value} onInput={(value) => set({ value })} />
      )}
      <div class="transforms" role="group" aria-labelledby={`${id}-transforms`}>
        <span id={`${id}-transforms`}>Transforms, in order</span>
        {TRANSFORMS.map((transform) => (
          <Checkbox
            key={transform}
            label={transform}
            checked={draft.transforms.includes(transform)}
            onChange={(on) =>
              set({
                transforms: on ? [...draft.transforms, transform] : draft.transforms.filter((t) => t !== transform),
              })
            }
          />
        ))}
      </div>
      <details>
        <summary>Value map, default, required</summary>
        <div class="field">
          <label for={`${id}-map`}>Value map (one from=to per line)</label>
          <textarea
            id={`${id}-map`}
            rows={3}
            value={draft.valueMap}
            placeholder={'Registered=registered\nAttended=attended'}
            onInput={(event) => set({ valueMap: event.currentTarget.value })}
          />
        </div>
        <TextField label="Default when missing" value={draft.fallback} onInput={(fallback) => set({ fallback })} />
        <Checkbox label="Required" checked={draft.required} onChange={(required) => set({ required })} />
      </details>
      {errors.length > 0 && (
        <ul class="field-errors">
          {errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      )}
      <button type="button" class="secondary" onClick={onRemove}>
        Remove {name}
      </button>
    </fieldset>
  );
}
