/**
 * Bounds every JSON input is held to before anything else touches it. Each helper walks the value
 * with an explicit stack, never by recursion, so a hostile input cannot overflow the call stack
 * of the code that is checking it (which is exactly what recursive tools such as
 * `JSON.stringify`, `structuredClone` and class-transformer's `plainToInstance` do a few thousand
 * levels down).
 */

/**
 * The deepest nesting of objects and arrays an event may have, counting the event itself: the
 * envelope is level 1, `data` level 2, `data.profile` level 3. Real events stay under 10; 64
 * leaves room for any honest payload and is far below where recursive JSON tools fail.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * True when `value` nests objects and arrays more than `maxDepth` levels deep (a scalar is depth
 * 0, `{}` and `[]` depth 1, `{"a": []}` depth 2). Stops at the first container past the bound,
 * so the work is bounded by the part of the value within it. Given `jsonText`, the text `value`
 * was parsed from, a text too short of brackets to nest that deep answers without the walk.
 */
export function jsonDepthExceeds(value: unknown, maxDepth: number, jsonText?: string): boolean {
  if (jsonText !== undefined && jsonTextNestsAtMost(jsonText, maxDepth)) return false;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  // A value built in code may hold the same object twice (or a cycle): each is walked once.
  const seen = new Set<object>();
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const current = item.value;
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    const depth = item.depth + 1;
    if (depth > maxDepth) return true;
    seen.add(current);
    const children: unknown[] = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) if (child !== null && typeof child === 'object') stack.push({ value: child, depth });
  }
  return false;
}

/**
 * True when the value `JSON.parse` makes of `jsonText` certainly nests no deeper than `maxDepth`:
 * every level of nesting opens with a `{` or `[`, so a text with at most `maxDepth` of them (in
 * strings or not) cannot nest deeper. Nearly every record has a handful; counting them is one scan
 * of the text, where `jsonDepthExceeds` walks every object of the value (issue 13). When this says
 * "not certainly", `jsonDepthExceeds` decides.
 */
export function jsonTextNestsAtMost(jsonText: string, maxDepth: number): boolean {
  let opened = 0;
  for (const bracket of ['{', '[']) {
    for (let at = jsonText.indexOf(bracket); at !== -1; at = jsonText.indexOf(bracket, at + 1)) {
      if (++opened > maxDepth) return false;
    }
  }
  return true;
}

/** NUL or any surrogate, paired or not: a text without one is certainly storable. */
const MAYBE_UNSTORABLE = /[\u0000\ud800-\udfff]/;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A free text (an error, a response excerpt) as PostgreSQL can store it in `text` and `jsonb`: NUL
 * characters dropped, lone surrogates replaced by U+FFFD. For what Flowline writes about a
 * delivery, never for ids or event data, which are refused instead (`unstorableCharacter`): a
 * receiver's or token server's answer holding NUL must not make the attempt log fail, and with it
 * the whole chunk on every retry.
 */
export function storableText(text: string): string {
  if (!MAYBE_UNSTORABLE.test(text)) return text;
  return text.replace(/\u0000/g, '').replace(new RegExp(LONE_SURROGATE.source, 'g'), '\ufffd');
}

/**
 * Text PostgreSQL cannot keep as it is: NUL (refused by `text` and by `jsonb`) and a lone UTF-16
 * surrogate (refused by `jsonb`, silently turned into U+FFFD in `text`, so an id would no longer
 * match itself). Neither has a place in an event.
 */
export function isUnstorableText(text: string): boolean {
  return unstorableCharacter(text) !== undefined;
}

/**
 * Which character keeps PostgreSQL from storing a text as it was received, if any: `text` and
 * `jsonb` refuse NUL, and a lone UTF-16 surrogate has no UTF-8 form (it would be stored as U+FFFD,
 * so two different ids would become one). The API names it in its 400 answers.
 */
export function unstorableCharacter(text: string): string | undefined {
  // Most texts hold neither NUL nor any surrogate: one scan says so (issue 13).
  if (!MAYBE_UNSTORABLE.test(text)) return undefined;
  if (text.includes('\u0000')) return 'the NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'a lone UTF-16 surrogate';
  return undefined;
}

/** An escape JSON.parse turns into NUL or a surrogate (or an escaped backslash before `u0000`: harmless). */
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/**
 * Whether the value `JSON.parse` makes of `jsonText` may hold a string `isUnstorableText` refuses,
 * for text decoded from UTF-8. Such text holds surrogates only in pairs (a lone one has no UTF-8
 * form: the decoder gives U+FFFD instead) and JSON holds NUL only escaped (a raw one is a syntax
 * error), so only an escape `\u0000` or `\ud800`-`\udfff` can put either into the value. One
 * scan of the text instead of a walk of every record of every hop (issue 13); when it says "may",
 * `findUnstorableString` decides (an escaped pair, or an escaped backslash before `u0000`, is fine).
 */
export function mayHoldUnstorableText(jsonText: string): boolean {
  return UNSTORABLE_ESCAPE.test(jsonText);
}

/** Why `findUnstorableString`'s answer was refused, for a reason shown to people. */
export const UNSTORABLE_TEXT =
  'must not hold a NUL character (\\u0000) or a lone UTF-16 surrogate (\\ud800-\\udfff without its pair)';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const MAX_KEY_IN_PATH = 64;

function keySegment(key: string): string {
  if (IDENTIFIER.test(key)) return `.${key}`;
  // JSON.stringify escapes NUL and lone surrogates, so the path itself is readable and storable.
  const shown = key.length > MAX_KEY_IN_PATH ? `${key.slice(0, MAX_KEY_IN_PATH)}…` : key;
  return `[${JSON.stringify(shown)}]`;
}

/**
 * The path of the first string in `value` (a string value or an object key) that
 * `isUnstorableText`, or undefined when every string can be stored. Paths read like
 * `data.profile.name`, `data.tags[2]` or `data["odd key"]`; the root itself is `$`. Walks
 * iteratively, each object once; bound the depth first (`jsonDepthExceeds`) for untrusted input.
 * Given `jsonText`, the UTF-8 text `value` (or the record holding it) was parsed from, a text that
 * cannot hold such a string (`mayHoldUnstorableText`) answers without a walk.
 */
export function findUnstorableString(value: unknown, jsonText?: string): string | undefined {
  // Every record of every hop is checked, and nearly all are storable: one scan of the text, or
  // a walk that builds no paths, says so first; the paths are built only to name what was found
  // (issue 13).
  if (jsonText !== undefined && !mayHoldUnstorableText(jsonText)) return undefined;
  if (!holdsUnstorableString(value)) return undefined;
  const stack: Array<{ value: unknown; path: string; key?: string }> = [{ value, path: '' }];
  const seen = new Set<object>();
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value: current, path } = item;
    // A key is checked when its entry comes up, so the report follows document order.
    if (item.key !== undefined && isUnstorableText(item.key)) return path;
    if (typeof current === 'string') {
      if (isUnstorableText(current)) return path === '' ? '$' : path;
      continue;
    }
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const children: Array<{ value: unknown; path: string; key?: string }> = [];
    if (Array.isArray(current)) {
      current.forEach((child, index) => children.push({ value: child, path: `${path}[${index}]` }));
    } else {
      for (const [key, child] of Object.entries(current)) {
        const childPath = path === '' && IDENTIFIER.test(key) ? key : `${path}${keySegment(key)}`;
        children.push({ value: child, path: childPath, key });
      }
    }
    // Reversed onto the stack, so the first offending string in document order is the one reported.
    for (let index = children.length - 1; index >= 0; index--) stack.push(children[index]!);
  }
  return undefined;
}

/** Whether any string in `value` (a string value or an object key) `isUnstorableText`; each object once. */
function holdsUnstorableString(value: unknown): boolean {
  const stack: unknown[] = [value];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (isUnstorableText(current)) return true;
      continue;
    }
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    if (Array.isArray(current)) {
      for (const child of current) stack.push(child);
      continue;
    }
    for (const key of Object.keys(current)) {
      if (isUnstorableText(key)) return true;
      stack.push((current as Record<string, unknown>)[key]);
    }
  }
  return false;
}
