import { renderField } from './field-value';
import { isRecord, writePath } from './json-path';
import { MappingContext, MappingFields, MappingInput, RenderedPayload } from './mapping-definition';

/**
 * Builds the payload of one delivery from an event (CONTRACT §5). Pure: the same mapping, event and
 * context always give the same payload. Keys come in the mapping's field order; dotted targets
 * build nested objects. Never throws, whatever the event or the stored mapping holds: every
 * problem is a message in `errors` naming its target, and the caller decides (the mapper
 * dead-letters with category `validation`; a preview shows them). The fields without problems are
 * still in `payload`, which is what a preview wants to show.
 */
export function renderMapping(
  mapping: MappingFields,
  input: MappingInput,
  context: MappingContext = {},
): RenderedPayload {
  const payload: Record<string, unknown> = {};
  const fields: unknown = isRecord(mapping) ? mapping.fields : undefined;
  if (!Array.isArray(fields)) return { payload, errors: ['fields must be a list of fields'] };
  const errors: string[] = [];
  fields.forEach((raw, index) => {
    const outcome = renderField(raw, index, input, context ?? {});
    errors.push(...outcome.errors);
    if (outcome.target === undefined || outcome.value === undefined || outcome.errors.length > 0) return;
    const conflict = writePath(payload, outcome.target, outcome.value);
    if (conflict) errors.push(conflict);
  });
  return { payload, errors };
}

/** @deprecated The first engine's name; use `renderMapping`. */
export const renderPayload = renderMapping;
