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

function isKeptAsIs(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) || // 0-9
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    code === 0x2a || // *
    code === 0x2d || // -
    code === 0x2e || // .
    code === 0x5f || // _
    code === 0x20 // space, written as +
  );
}

/** Bytes of text as URLSearchParams writes it: `*-._` and alphanumerics as they are, space as `+`, the rest percent-encoded. */
function encodedLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isKeptAsIs(code)) bytes += 1;
    else if (code < 0x80) bytes += 3;
    else if (code < 0x800) bytes += 6;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 12; // a surrogate pair: four UTF-8 bytes
      i++;
    } else bytes += 9;
  }
  return bytes;
}

/**
 * The size of `encodeForm(payload)`, or the first running total past `cap`, without building it.
 * Form keys repeat their whole path for every value (`a[b][c][]=1&a[b][c][]=2`), so a payload that
 * is small as JSON (a long key over a long list) can be enormous as a form: measure before
 * encoding. Each key's length is carried as a number, never built, so measuring costs one step
 * per value.
 */
export function formBytesUpTo(payload: unknown, cap: number): number {
  if (!isRecord(payload)) return 0;
  let total = 0;
  // The escaped brackets: `[` and `]` are three bytes each.
  const BRACKETS = 6;
  const stack: Array<{ keyBytes: number; value: unknown }> = Object.entries(payload).map(([key, value]) => ({
    keyBytes: encodedLength(key),
    value,
  }));
  while (stack.length > 0 && total <= cap) {
    const { keyBytes, value } = stack.pop()!;
    if (value === undefined) continue;
    if (value === null) total += keyBytes + 2;
    else if (Array.isArray(value)) {
      const plain = value.every((item) => isMissing(item) || (!Array.isArray(item) && !isRecord(item)));
      value.forEach((item, i) =>
        stack.push({ keyBytes: keyBytes + BRACKETS + (plain ? 0 : String(i).length), value: item }),
      );
    } else if (isRecord(value)) {
      for (const [child, item] of Object.entries(value))
        stack.push({ keyBytes: keyBytes + BRACKETS + encodedLength(child), value: item });
    } else total += keyBytes + encodedLength(toText(value)) + 2;
  }
  return total;
}
