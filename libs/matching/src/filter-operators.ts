import type { FilterOperator } from './flow-definition';
import { normalizeText } from './normalize-text';

type Scalar = string | number | boolean;

/**
 * Whether `actual` (read from the event) satisfies `op` with the flow's `expected` value. Total:
 * never throws, whatever JSON it is given.
 *
 * - Missing means undefined, null, blank text or an empty list. Missing never equals, is never
 *   in a list and never contains; so `neq` and `nin` hold for a missing field ("not VIP" is true
 *   of a registration without attendee type), and `exists` tests exactly this (value `true`, the
 *   default, or `false`).
 * - Text compares trimmed and case-insensitively. When either side is a JSON number, both compare
 *   as numbers (`5` eq `"5"`, `"5.0"` eq `5`); two strings always compare as text, so codes such as
 *   `"007"` and `"7"` stay different. Booleans compare by their text (`true` eq `"true"`).
 * - A list field (multi-select answers, tags) satisfies `eq`/`in`/`contains` when any element does,
 *   and `neq`/`nin` when none does. On a text field `contains` is a substring test.
 * - Objects equal nothing and contain nothing.
 */
export function testFilter(op: FilterOperator, actual: unknown, expected: unknown): boolean {
  switch (op) {
    case 'eq':
      return anyElement(actual, (element) => scalarEquals(element, expected));
    case 'neq':
      return !anyElement(actual, (element) => scalarEquals(element, expected));
    case 'in':
      return anyElement(actual, (element) => optionsOf(expected).has(element));
    case 'nin':
      return !anyElement(actual, (element) => optionsOf(expected).has(element));
    case 'contains':
      return contains(actual, expected);
    case 'exists':
      return !isMissing(actual) === existsWanted(expected);
  }
}

export function isMissing(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  );
}

/** `exists` with no value, `true` or `"true"` tests presence; `false` or `"false"` absence. */
function existsWanted(expected: unknown): boolean {
  if (typeof expected === 'string') return normalizeText(expected) !== 'false';
  return expected !== false;
}

function anyElement(actual: unknown, test: (element: unknown) => boolean): boolean {
  if (isMissing(actual)) return false;
  return Array.isArray(actual) ? actual.some(test) : test(actual);
}

function asList(expected: unknown): unknown[] {
  if (Array.isArray(expected)) return expected;
  return isMissing(expected) ? [] : [expected];
}

/**
 * An `in`/`nin` list as sets, so an element is looked up once instead of compared with every
 * option: a list field of thousands of elements against a list of thousands of options took
 * seconds an event the pairwise way, long enough to stall the evaluator's partition for every
 * tenant on it. `has(element)` is `scalarEquals(element, option)` for some option.
 */
class OptionSet {
  /** Text and boolean options, normalised: what a text or boolean element equals. */
  private readonly texts = new Set<string>();
  /** Number options: what a number element or a numeric text element equals. */
  private readonly numbers = new Set<number>();
  /** Text options that read as numbers: what a number element also equals. */
  private readonly numericTexts = new Set<number>();

  constructor(options: readonly unknown[]) {
    for (const option of options) {
      if (!isScalar(option)) continue;
      if (typeof option === 'number') {
        this.numbers.add(option);
        continue;
      }
      this.texts.add(normalizeText(String(option)));
      const number = typeof option === 'string' ? asNumber(option) : undefined;
      if (number !== undefined) this.numericTexts.add(number);
    }
  }

  has(element: unknown): boolean {
    if (!isScalar(element)) return false;
    if (typeof element === 'number') return this.numbers.has(element) || this.numericTexts.has(element);
    if (this.texts.has(normalizeText(String(element)))) return true;
    const number = typeof element === 'string' ? asNumber(element) : undefined;
    return number !== undefined && this.numbers.has(number);
  }
}

/** A flow's list is compiled once (flows are immutable once loaded; a reload brings new arrays). */
const compiledLists = new WeakMap<readonly unknown[], OptionSet>();

function optionsOf(expected: unknown): OptionSet {
  if (!Array.isArray(expected)) return new OptionSet(asList(expected));
  let options = compiledLists.get(expected);
  if (!options) {
    options = new OptionSet(expected);
    compiledLists.set(expected, options);
  }
  return options;
}

function contains(actual: unknown, expected: unknown): boolean {
  if (isMissing(actual) || !isScalar(expected)) return false;
  if (Array.isArray(actual)) return actual.some((element) => scalarEquals(element, expected));
  if (!isScalar(actual)) return false;
  return normalizeText(String(actual)).includes(normalizeText(String(expected)));
}

function isScalar(value: unknown): value is Scalar {
  return (
    typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
  );
}

function scalarEquals(a: unknown, b: unknown): boolean {
  if (!isScalar(a) || !isScalar(b)) return false;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = asNumber(a);
    const y = asNumber(b);
    return x !== undefined && x === y;
  }
  return normalizeText(String(a)) === normalizeText(String(b));
}

function asNumber(value: Scalar): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}
