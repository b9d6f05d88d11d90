import { checkField, CheckedField, FieldCheckOptions } from './field-validation';
import { isRecord } from './json-path';
import { buildTags, tagCandidates, tagMaxLength } from './managed-tags';
import { MappingContext, MappingInput } from './mapping-definition';
import { RenderBudget, RenderLimitExceeded } from './render-limits';
import { resolveSource } from './source-resolver';
import { renderTemplate } from './template';
import { applyTransforms } from './transforms';
import { applyValueMap } from './value-map';
import { isMissing } from './value-text';

export interface FieldOutcome {
  /** Set when the field is well formed. */
  target?: string;
  /** The value to write; undefined means the target is omitted. */
  value?: unknown;
  errors: string[];
  /** Set when the field would pass a rendering limit: the rendering stops here, with this reason. */
  limitExceeded?: string;
}

/**
 * A copy of a JSON value: written values are copies so that a later nested target can never write
 * into the event's `data` or into the mapping's `default` or `value`.
 */
function copy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  try {
    return structuredClone(value);
  } catch {
    return undefined;
  }
}

/** Transforms, then `value_map` (docs/CONTRACT.md §5: the map sees the transformed value). */
function shape(value: unknown, checked: CheckedField): unknown {
  const valueMap = isRecord(checked.field.value_map) ? checked.field.value_map : undefined;
  return applyValueMap(applyTransforms(value, checked.transforms), valueMap);
}

/**
 * The tag list of a `tags` field. Each value is transformed and value-mapped first (so a value map
 * can rename a product before it becomes a tag); values from the event are then slugified, fixed
 * values kept as written; each is prefixed, truncated and de-duplicated, which keeps every tag
 * within `max_length`.
 */
function renderTags(checked: CheckedField, input: MappingInput, context: MappingContext): string[] {
  const spec = checked.field.tags!;
  const prepare = (values: unknown[]) => values.flatMap((value) => tagCandidates(shape(value, checked)));
  const fromEvent = (spec.from ?? []).flatMap((source) => tagCandidates(resolveSource(source, input, context)));
  return buildTags(prepare(fromEvent), spec.prefix ?? '', tagMaxLength(spec), prepare(spec.values ?? []));
}

function produce(checked: CheckedField, input: MappingInput, context: MappingContext, budget: RenderBudget): unknown {
  const { field } = checked;
  switch (checked.kind) {
    case 'source': {
      const value = resolveSource(field.source!, input, context);
      return isMissing(value) ? undefined : shape(value, checked);
    }
    case 'template': {
      const text = renderTemplate(field.template!, (source) => resolveSource(source, input, context), budget);
      return text === undefined ? undefined : shape(text, checked);
    }
    case 'value':
      // A static value is what the mapping says, `null` included.
      return shape(field.value, checked);
    case 'tags': {
      // An empty list is missing, like an absent source: `default: []` writes one explicitly.
      const tags = renderTags(checked, input, context);
      return tags.length > 0 ? tags : undefined;
    }
  }
}

/**
 * `checkField`'s answer for a field object, kept while the object lives: a stored mapping's fields
 * are rendered for every event, and are not changed once loaded (a changed mapping is a new
 * object). Its problems name the field by `index` and depend on `options`, so both are part of
 * the key.
 */
const checks = new WeakMap<object, Map<string, ReturnType<typeof checkField>>>();

function checkedOnce(raw: unknown, index: number, options: FieldCheckOptions): ReturnType<typeof checkField> {
  if (raw === null || typeof raw !== 'object') return checkField(raw, index, options);
  const key = `${index}/${options.headers === true}/${options.strict === true}`;
  let byKey = checks.get(raw);
  if (byKey === undefined) {
    byKey = new Map();
    checks.set(raw, byKey);
  }
  let answer = byKey.get(key);
  if (answer === undefined) {
    answer = checkField(raw, index, options);
    byKey.set(key, answer);
  }
  return answer;
}

/**
 * One field's value. A missing value writes `default` (as given: not transformed or mapped, it is
 * already what the target wants) or omits the target. A `required` target fails when it ends up
 * missing or empty text: a blank cannot fill a mandatory field in the receiver (Certain's
 * "validation error"). Never throws: anything unexpected becomes an error naming the field.
 * The value is spent from the rendering's budget before it is copied; a field that would pass a
 * limit says so in `limitExceeded`.
 */
export function renderField(
  raw: unknown,
  index: number,
  input: MappingInput,
  context: MappingContext,
  budget: RenderBudget,
  options: FieldCheckOptions = {},
): FieldOutcome {
  const { checked, problems } = checkedOnce(raw, index, options);
  if (!checked) return { errors: problems };
  const { field } = checked;
  try {
    let value = produce(checked, input, context, budget);
    if (value === undefined) value = field.default;
    if (field.required === true && (isMissing(value) || value === '')) {
      return { target: field.target, errors: [`${field.target}: required, but the event has no value for it`] };
    }
    if (value !== undefined) budget.spendValue({ [field.target]: value }, 'the value');
    return { target: field.target, value: copy(value), errors: [] };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof RenderLimitExceeded) {
      const message = `${field.target}: ${reason}`;
      return { target: field.target, errors: [message], limitExceeded: message };
    }
    return { target: field.target, errors: [`${field.target}: could not be rendered (${reason})`] };
  }
}
