import { renderField } from './field-value';
import { isRecord, writePath } from './json-path';
import { MappingContext, MappingFields, MappingInput, RenderedPayload } from './mapping-definition';
import { DEFAULT_RENDER_LIMITS, RenderBudget, RenderLimits } from './render-limits';

/**
 * Builds the payload of one delivery from an event (docs/CONTRACT.md §5). Pure: the same mapping, event and
 * context always give the same payload. Keys come in the mapping's field order; dotted targets
 * build nested objects. Never throws, whatever the event or the stored mapping holds: every
 * problem is a message in `errors` naming its target, and the caller decides (the mapper
 * dead-letters with category `validation`; a preview shows them). The fields without problems are
 * still in `payload`, which is what a preview wants to show.
 *
 * Rendering stays within `limits` (output size, placeholder substitutions), each checked before
 * the work it bounds: the first field that would pass one stops the rendering, and
 * `limitExceeded` says why.
 */
export function renderMapping(
  mapping: MappingFields,
  input: MappingInput,
  context: MappingContext = {},
  limits: RenderLimits = DEFAULT_RENDER_LIMITS,
): RenderedPayload {
  const payload: Record<string, unknown> = {};
  const fields: unknown = isRecord(mapping) ? mapping.fields : undefined;
  if (!Array.isArray(fields)) return { payload, errors: ['fields must be a list of fields'] };
  const errors: string[] = [];
  const budget = new RenderBudget(limits);
  for (const [index, raw] of fields.entries()) {
    const outcome = renderField(raw, index, input, context ?? {}, budget);
    errors.push(...outcome.errors);
    if (outcome.limitExceeded !== undefined) return { payload, errors, limitExceeded: outcome.limitExceeded };
    if (outcome.target === undefined || outcome.value === undefined || outcome.errors.length > 0) continue;
    const conflict = writePath(payload, outcome.target, outcome.value);
    if (conflict) errors.push(conflict);
  }
  return { payload, errors };
}

/** @deprecated The first engine's name; use `renderMapping`. */
export const renderPayload = renderMapping;
