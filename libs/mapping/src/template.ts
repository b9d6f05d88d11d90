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
 */
export function renderTemplate(template: string, resolve: (source: string) => unknown): string | undefined {
  let placeholders = 0;
  let found = 0;
  const text = template.replace(PLACEHOLDER, (_, source: string) => {
    placeholders++;
    const key = source.trim();
    const value = key === '' ? undefined : resolve(key);
    if (isMissing(value)) return '';
    found++;
    return toText(value);
  });
  return placeholders > 0 && found === 0 ? undefined : text;
}
