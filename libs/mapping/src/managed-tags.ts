import { isRecord } from './json-path';
import { ManagedTagsSpec } from './mapping-definition';
import { isMissing, toText } from './value-text';

/** Sesamy truncates its managed tags to 99 characters; docs/CONTRACT.md §5 uses the same default. */
export const DEFAULT_TAG_MAX_LENGTH = 99;

/**
 * Sesamy's slug: lower case, accents dropped ("Café" → "cafe"), every run of other characters one
 * `-`, no `-` at either end: "publication Premium Magazine" → "publication-premium-magazine".
 */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * Cuts text to at most `max` UTF-16 units (JavaScript's and most receivers' `length`) without
 * splitting a surrogate pair, so a cut never leaves half an emoji of a prefix behind.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max) break;
    out += char;
  }
  return out;
}

/** A usable `max_length`: a positive integer, else the default (validation reports the bad one). */
export function tagMaxLength(spec: ManagedTagsSpec): number {
  const max = spec.max_length;
  return typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : DEFAULT_TAG_MAX_LENGTH;
}

/**
 * The raw values a `from` source yields: a string, number or boolean is one value; a list gives its
 * items of those kinds. Objects and nested lists have no single text to tag and are skipped.
 */
export function tagCandidates(value: unknown): unknown[] {
  const items = Array.isArray(value) ? value : [value];
  return items.filter((item) => !isMissing(item) && !isRecord(item) && !Array.isArray(item));
}

/**
 * Builds the tag list from prepared values (already transformed and value-mapped by the caller).
 * Values taken from the event are slugified (`publication Premium Magazine` becomes
 * `sesamy_active_entitlement_publication-premium-magazine`); the mapping's own fixed values are
 * kept as written (`sesamy_active_subscriber`), as Sesamy's fixed tags are. Each is prefixed,
 * truncated, then de-duplicated. De-duplicating after truncation is what Sesamy promises: two long
 * titles that differ only past the limit become one tag. An empty slug or value is no tag. Order
 * is first appearance, event values first, so the output is stable.
 */
export function buildTags(
  fromEvent: readonly unknown[],
  prefix: string,
  maxLength: number,
  fixed: readonly unknown[] = [],
): string[] {
  const tags = new Set<string>();
  const texts = [...fromEvent.map((value) => slugify(toText(value))), ...fixed.map((value) => toText(value))];
  for (const text of texts) {
    if (text === '') continue;
    const tag = truncate(prefix + text, maxLength);
    if (tag !== '') tags.add(tag);
  }
  return [...tags];
}
