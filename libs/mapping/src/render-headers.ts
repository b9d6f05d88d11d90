import { isSendableHeaderValue } from '@flowline/contracts';
import { renderField } from './field-value';
import { defineKey, isRecord } from './json-path';
import { MappingContext, MappingFields, MappingInput, RenderedHeaders } from './mapping-definition';
import { DEFAULT_RENDER_LIMITS, RenderBudget, RenderLimits } from './render-limits';
import { isMissing, toText } from './value-text';

/**
 * Renders a header mapping (Certain's "Http Header" mapping; Sequel's header mappings) to header
 * name → text. Targets are header names, so dots (nesting) are errors. Values become text as in a
 * template (lists join with ", ", HTTP's own list syntax); a missing or null value sends no header.
 * Header names ignore case: a later field for the same header replaces an earlier one. Never throws.
 * Bounded by `limits` as `renderMapping` is.
 */
export function renderHeaders(
  mapping: MappingFields,
  input: MappingInput,
  context: MappingContext = {},
  limits: RenderLimits = DEFAULT_RENDER_LIMITS,
): RenderedHeaders {
  const headers: Record<string, string> = {};
  const fields: unknown = isRecord(mapping) ? mapping.fields : undefined;
  if (!Array.isArray(fields)) return { headers, errors: ['fields must be a list of fields'] };
  const errors: string[] = [];
  const budget = new RenderBudget(limits);
  for (const [index, raw] of fields.entries()) {
    const outcome = renderField(raw, index, input, context ?? {}, budget, { headers: true });
    errors.push(...outcome.errors);
    if (outcome.limitExceeded !== undefined) return { headers, errors, limitExceeded: outcome.limitExceeded };
    if (outcome.target === undefined || isMissing(outcome.value) || outcome.errors.length > 0) continue;
    const text = toText(outcome.value);
    if (!isSendableHeaderValue(text)) {
      errors.push(
        `${outcome.target}: the value holds characters an HTTP header cannot carry (line breaks, control characters, or beyond Latin-1)`,
      );
      continue;
    }
    const name = outcome.target;
    for (const existing of Object.keys(headers))
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    defineKey(headers, name, text);
  }
  return { headers, errors };
}
