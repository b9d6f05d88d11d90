import { isRecord } from './json-path';
import { isMissing, toText } from './value-text';

/**
 * The key/value pairs of a payload in the PHP/Rails bracket convention, which is what form
 * receivers (PHP's `$_POST`, Rails' and Express's `qs` parsers) rebuild into nested data:
 *
 * - nested objects: `contact[first_name]=John`;
 * - lists of plain values: `tags[]=a&tags[]=b` (both PHP and Rails read that back as a list);
 * - lists holding objects or lists: indexed, `items[0][name]=x`, since `[]` cannot say which
 *   keys belong to the same item;
 * - `null`: the key with empty text; booleans `true` / `false`; numbers as written;
 * - empty lists and empty objects have nothing to send and are left out.
 */
export function formPairs(payload: unknown): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (!isRecord(payload)) return pairs;
  const walk = (key: string, value: unknown): void => {
    if (value === undefined) return;
    if (value === null) {
      pairs.push([key, '']);
    } else if (Array.isArray(value)) {
      const plain = value.every((item) => isMissing(item) || (!Array.isArray(item) && !isRecord(item)));
      value.forEach((item, i) => walk(plain ? `${key}[]` : `${key}[${i}]`, item));
    } else if (isRecord(value)) {
      for (const [child, item] of Object.entries(value)) walk(`${key}[${child}]`, item);
    } else {
      pairs.push([key, toText(value)]);
    }
  };
  for (const [key, value] of Object.entries(payload)) walk(key, value);
  return pairs;
}

/**
 * `application/x-www-form-urlencoded` text of a payload (see `formPairs` for the key convention).
 * Serialised as the WHATWG URL standard does (URLSearchParams, what fetch/undici send): spaces as
 * `+`, brackets percent-encoded (`contact%5Bfirst_name%5D=John`), which every form parser decodes.
 * A payload that is not an object has no keys and encodes as empty text.
 */
export function encodeForm(payload: unknown): string {
  return new URLSearchParams(formPairs(payload)).toString();
}
