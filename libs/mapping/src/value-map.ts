import { isRecord } from './json-path';
import { isMissing, toText } from './value-text';

/**
 * Maps a value through a field's `value_map` (Sequel's status value mappings: `Registered` →
 * `registered`, or → `1`). Keys are text, so a number or boolean is looked up by its text; a list is
 * mapped item by item. A value the map does not name passes through unchanged, so a new status
 * still arrives (as itself) rather than vanishing. Only the map's own keys count: a value such as
 * "constructor" is not looked up on Object.prototype.
 */
export function applyValueMap(value: unknown, map: Record<string, unknown> | undefined): unknown {
  if (map === undefined || isMissing(value) || isRecord(value)) return value;
  if (Array.isArray(value)) return value.map((item) => applyValueMap(item, map));
  const key = toText(value);
  return Object.hasOwn(map, key) ? map[key] : value;
}
