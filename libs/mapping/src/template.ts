import { jsonBytesUpTo, RenderBudget } from './render-limits';
import { isMissing, toText } from './value-text';

/** `{{ source }}`: a placeholder holds any source (path, `$envelope`, named field); no braces inside. */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/** The sources a template's placeholders name, in order (for validation). */
export function templateSources(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1]!.trim());
}

/**
 * Renders a concatenation (Certain's "Position  @ Organization"): fixed text as written, each
 * placeholder replaced by the text of its source. A missing placeholder renders as empty text, so
 * one absent part does not lose the whole field. When every placeholder is missing the template
 * itself is missing (undefined): "  @ " is not a title, and `default` and `required` should apply.
 * A template without placeholders is just its text. The result is always text.
 *
 * With a budget, the expansion is measured before any text is built: the placeholders are
 * counted, then resolved and their values' sizes added up (stopping as soon as the sum is past
 * what is left), so `{{a}}` six thousand times over a long value costs a few lookups, not
 * hundreds of megabytes. Throws `RenderLimitExceeded` when it would not fit.
 */
export function renderTemplate(
  template: string,
  resolve: (source: string) => unknown,
  budget?: RenderBudget,
): string | undefined {
  const placeholders = [...template.matchAll(PLACEHOLDER)];
  budget?.spendSubstitutions(placeholders.length);
  const values = placeholders.map((match) => {
    const key = match[1]!.trim();
    return key === '' ? undefined : resolve(key);
  });
  if (budget) {
    let bytes = Buffer.byteLength(template);
    for (const value of values) {
      if (isMissing(value)) continue;
      // A value's text is never longer than its JSON (which quotes strings where a list's text
      // joins them with ", "), so the measure errs on the safe side.
      bytes += typeof value === 'string' ? Buffer.byteLength(value) : jsonBytesUpTo(value, budget.remainingBytes);
      if (bytes > budget.remainingBytes) break;
    }
    budget.checkExpansion(bytes);
  }
  let index = 0;
  let found = 0;
  const text = template.replace(PLACEHOLDER, () => {
    const value = values[index++];
    if (isMissing(value)) return '';
    found++;
    return toText(value);
  });
  return placeholders.length > 0 && found === 0 ? undefined : text;
}
