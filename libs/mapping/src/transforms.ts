import { isRecord } from './json-path';
import { TransformName } from './mapping-definition';
import { isMissing, toText } from './value-text';

export const TRANSFORMS: readonly TransformName[] = ['lower', 'upper', 'proper', 'trim'];

/**
 * Accepted spellings of each transform. docs/CONTRACT.md §5 names them `lower | upper | proper | trim`;
 * Certain Signal's screen says "lower case", "UPPER CASE", "Proper Case" and "Trim", and people
 * also write `lowercase`, `title` or `Title Case`. Matching ignores case, spaces, `_` and `-`.
 */
const TRANSFORM_ALIASES: ReadonlyMap<string, TransformName> = new Map([
  ['lower', 'lower'],
  ['lowercase', 'lower'],
  ['upper', 'upper'],
  ['uppercase', 'upper'],
  ['proper', 'proper'],
  ['propercase', 'proper'],
  ['title', 'proper'],
  ['titlecase', 'proper'],
  ['trim', 'trim'],
]);

/**
 * Every spelling of a transform name, before `transformNamed` ignores case, spaces, `_` and `-`
 * (`UPPER CASE`, `Proper Case`): for the API's OpenAPI document.
 */
export const TRANSFORM_SPELLINGS: readonly string[] = [...TRANSFORM_ALIASES.keys()];

/** The transform a name stands for, or undefined for a name that is none. */
export function transformNamed(name: unknown): TransformName | undefined {
  if (typeof name !== 'string') return undefined;
  return TRANSFORM_ALIASES.get(name.toLowerCase().replace(/[\s_-]+/g, ''));
}

/**
 * Proper Case: every word starts with a capital and continues in lower case ("mary-jane o'neil" →
 * "Mary-Jane O'neil"). A word starts after anything that is not a letter, a digit or an apostrophe,
 * so "don't" stays one word.
 */
function properCase(text: string): string {
  return text.toLowerCase().replace(/(^|[^\p{L}\p{N}'’])(\p{L})/gu, (_, before: string, letter: string) => {
    return before + letter.toUpperCase();
  });
}

function applyToText(name: TransformName, text: string): string {
  switch (name) {
    case 'lower':
      return text.toLowerCase();
    case 'upper':
      return text.toUpperCase();
    case 'proper':
      return properCase(text);
    case 'trim':
      // Ends only: Certain's "removes extra spaces" around a value. Inner spacing can be meant,
      // as in its concatenation example's two spaces before "@".
      return text.trim();
  }
}

/**
 * Applies transforms in order. Text is transformed; a number or boolean becomes text first (a
 * transform is an explicit request for text); a list is transformed item by item (a multi-select
 * answer); an object has no text to transform and is returned unchanged.
 */
export function applyTransforms(value: unknown, names: readonly TransformName[]): unknown {
  if (names.length === 0 || isMissing(value) || isRecord(value)) return value;
  if (Array.isArray(value)) return value.map((item) => applyTransforms(item, names));
  let text = toText(value);
  for (const name of names) text = applyToText(name, text);
  return text;
}
