/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Splits a dotted path; `answers[0].answer` is accepted as another spelling of `answers.0.answer`
 * because that is how most people write an array index.
 */
export function splitPath(path: string): readonly string[] {
  let segments = splitPaths.get(path);
  if (segments === undefined) {
    segments = Object.freeze(path.replace(/\[(\d+)\]/g, '.$1').split('.'));
    // Bounded: a mapping's few short paths are read for every event; an API client's endless or
    // long ones (validated and previewed here too) are not kept.
    if (path.length > MAX_KEPT_PATH_LENGTH) return segments;
    if (splitPaths.size >= MAX_SPLIT_PATHS) splitPaths.clear();
    splitPaths.set(path, segments);
  }
  return segments;
}

/** Paths split before: the same few (the mappings' sources) are read for every event (issue 13). */
const splitPaths = new Map<string, readonly string[]>();
const MAX_SPLIT_PATHS = 4096;
const MAX_KEPT_PATH_LENGTH = 256;

/**
 * Reads a dotted path (`profile.first_name`, `registration.answers.0.answer`) from plain JSON.
 * Only own properties are read, so `constructor` or `__proto__` in a path find nothing instead of
 * JavaScript internals; a numeric segment indexes an array.
 */
export function readPath(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const segment of splitPath(path)) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (isRecord(current)) {
      if (!Object.hasOwn(current, segment)) return undefined;
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/** Sets an own, enumerable property even when the key is `__proto__` (which `=` would not). */
export function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Writes `value` at a dotted target, creating the nested objects on the way. Returns an error when
 * a segment on the way already holds a value that is not an object (`a` then `a.b`): overwriting
 * it would silently drop another field's value.
 */
export function writePath(root: Record<string, unknown>, target: string, value: unknown): string | undefined {
  const segments = target.split('.');
  let current = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    if (!Object.hasOwn(current, segment)) defineKey(current, segment, {});
    const next = current[segment];
    if (!isRecord(next)) {
      return `${target}: conflicts with target ${segments.slice(0, i + 1).join('.')}, which holds a value`;
    }
    current = next;
  }
  const last = segments[segments.length - 1]!;
  if (Object.hasOwn(current, last) && isRecord(current[last])) {
    return `${target}: conflicts with targets nested under it`;
  }
  defineKey(current, last, value);
  return undefined;
}
