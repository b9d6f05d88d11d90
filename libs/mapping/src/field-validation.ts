import { CLIENT_OWNED_HEADERS } from '@flowline/contracts';
import { isRecord, splitPath } from './json-path';
import { ManagedTagsSpec, MappingField, TransformName } from './mapping-definition';
import { ENVELOPE_FIELDS, QUESTION_PREFIX } from './named-fields';
import { MAX_TARGET_SEGMENTS } from './render-limits';
import { templateSources } from './template';
import { transformNamed } from './transforms';

/** Where a field's value comes from: exactly one per field (docs/CONTRACT.md §5). */
export type FieldKind = 'source' | 'template' | 'value' | 'tags';
const KINDS: readonly FieldKind[] = ['source', 'template', 'value', 'tags'];
const KNOWN_KEYS = new Set<string>([...KINDS, 'target', 'transforms', 'value_map', 'default', 'required']);
const TAGS_KEYS = new Set(['prefix', 'from', 'values', 'max_length']);

/** An HTTP header name is a token (RFC 9110 §5.6.2); dots are left out: a dot means nesting here. */
const HEADER_NAME = /^[!#$%&'*+\-^_`|~0-9A-Za-z]+$/;

/** A field that passed the checks rendering needs, with its transforms resolved to canonical names. */
export interface CheckedField {
  index: number;
  field: MappingField;
  kind: FieldKind;
  transforms: TransformName[];
}

export interface FieldCheckOptions {
  /** A header mapping: flat targets that are header names. */
  headers?: boolean;
  /** Also report keys a field does not have (the API's validation; rendering ignores them). */
  strict?: boolean;
}

/** Why a `source` (or placeholder, or `tags.from` entry) can never resolve, or undefined when fine. */
export function sourceProblem(source: unknown): string | undefined {
  if (typeof source !== 'string' || source.trim() === '') return 'must be a non-empty text';
  if (source.startsWith('$')) {
    return (ENVELOPE_FIELDS as readonly string[]).includes(source)
      ? undefined
      : `${source} is not an envelope field (${ENVELOPE_FIELDS.join(' ')})`;
  }
  if (source.startsWith(QUESTION_PREFIX)) {
    return source.slice(QUESTION_PREFIX.length).trim() === '' ? `${source} names no question or tag` : undefined;
  }
  if (splitPath(source).some((segment) => segment === '')) return `${source} is not a valid dotted path`;
  return undefined;
}

function targetProblem(target: unknown, headers: boolean): string | undefined {
  if (typeof target !== 'string' || target === '') return 'target must be a non-empty text';
  if (headers) {
    if (target.includes('.')) return 'a header target cannot be nested (no dots)';
    if (!HEADER_NAME.test(target)) return 'target is not a valid HTTP header name';
    if (CLIENT_OWNED_HEADERS.has(target.toLowerCase()))
      return `${target} is set by Flowline's HTTP client from each request and cannot be mapped`;
    return undefined;
  }
  const segments = target.split('.');
  if (segments.some((segment) => segment === '')) return 'target is not a valid dotted path';
  return segments.length > MAX_TARGET_SEGMENTS
    ? `target nests ${segments.length} levels deep, more than ${MAX_TARGET_SEGMENTS}`
    : undefined;
}

function tagsProblems(tags: unknown, strict: boolean): string[] {
  if (!isRecord(tags)) return ['tags must be an object {prefix, from, values, max_length}'];
  const spec = tags as ManagedTagsSpec & Record<string, unknown>;
  const problems: string[] = [];
  if (spec.prefix !== undefined && typeof spec.prefix !== 'string') problems.push('tags.prefix must be text');
  if (spec.from !== undefined) {
    if (!Array.isArray(spec.from)) problems.push('tags.from must be a list of sources');
    else
      spec.from.forEach((source, i) => {
        const problem = sourceProblem(source);
        if (problem) problems.push(`tags.from[${i}] ${problem}`);
      });
  }
  if (spec.values !== undefined) {
    if (!Array.isArray(spec.values)) problems.push('tags.values must be a list');
    else if (spec.values.some((value) => !['string', 'number', 'boolean'].includes(typeof value)))
      problems.push('tags.values must hold text, numbers or booleans');
  }
  const max = spec.max_length;
  if (max !== undefined && !(typeof max === 'number' && Number.isInteger(max) && max > 0))
    problems.push('tags.max_length must be a positive integer');
  const fromCount = Array.isArray(spec.from) ? spec.from.length : 0;
  const valueCount = Array.isArray(spec.values) ? spec.values.length : 0;
  if (fromCount + valueCount === 0) problems.push('tags needs at least one `from` source or static `values`');
  if (strict) for (const key of Object.keys(spec)) if (!TAGS_KEYS.has(key)) problems.push(`tags has no key ${key}`);
  return problems;
}

/** The key is there with a value (`value: null` is a value: JSON null, written as such). */
function has(field: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(field, key) && field[key] !== undefined;
}

/**
 * Checks one field. Problems are readable sentences prefixed with the field's target (or its
 * position when the target itself is the problem), so an API 400 or a dead-letter reason says
 * which field to fix.
 */
export function checkField(
  raw: unknown,
  index: number,
  options: FieldCheckOptions = {},
): { checked?: CheckedField; problems: string[] } {
  const label = isRecord(raw) && typeof raw.target === 'string' && raw.target !== '' ? raw.target : `fields[${index}]`;
  if (!isRecord(raw)) return { problems: [`${label}: a field must be an object`] };
  const problems: string[] = [];
  const targetIssue = targetProblem(raw.target, options.headers === true);
  if (targetIssue) problems.push(targetIssue);

  const kinds = KINDS.filter((kind) => has(raw, kind));
  if (kinds.length !== 1) {
    problems.push(
      kinds.length === 0
        ? 'needs one of source, template, value or tags'
        : `has ${kinds.join(' and ')}: only one of source, template, value or tags`,
    );
  }
  const kind = kinds[0];
  if (kind === 'source') {
    const problem = sourceProblem(raw.source);
    if (problem) problems.push(`source ${problem}`);
  } else if (kind === 'template') {
    if (typeof raw.template !== 'string') problems.push('template must be text');
    else
      for (const source of templateSources(raw.template)) {
        const problem = sourceProblem(source);
        if (problem) problems.push(`template placeholder {{${source}}}: ${problem}`);
      }
  } else if (kind === 'tags') {
    problems.push(...tagsProblems(raw.tags, options.strict === true));
  }

  const transforms: TransformName[] = [];
  if (raw.transforms !== undefined) {
    if (!Array.isArray(raw.transforms)) problems.push('transforms must be a list');
    else
      for (const name of raw.transforms) {
        const transform = transformNamed(name);
        if (transform) transforms.push(transform);
        else problems.push(`unknown transform ${JSON.stringify(name)} (lower, upper, proper, trim)`);
      }
  }
  if (raw.value_map !== undefined && !isRecord(raw.value_map)) problems.push('value_map must be an object {from: to}');
  if (raw.required !== undefined && typeof raw.required !== 'boolean') problems.push('required must be true or false');
  if (options.strict)
    for (const key of Object.keys(raw)) if (!KNOWN_KEYS.has(key)) problems.push(`a field has no key ${key}`);

  if (problems.length > 0 || kind === undefined) {
    return { problems: problems.map((problem) => `${label}: ${problem}`) };
  }
  return { checked: { index, field: raw as unknown as MappingField, kind, transforms }, problems: [] };
}

/**
 * Every problem of a mapping's `fields`, for the API to answer 400 with all of them at once
 * (strict: unknown keys are problems too). Besides each field's own checks: a target given twice,
 * a target that is both a value and a parent (`a` and `a.b`), and, in a header mapping, the same
 * header twice in any letter case.
 */
export function validateMapping(mapping: unknown, options: { headers?: boolean } = {}): string[] {
  const fields = isRecord(mapping) ? mapping.fields : undefined;
  if (!Array.isArray(fields)) return ['fields must be a list of fields'];
  const problems: string[] = [];
  const targets: string[] = [];
  fields.forEach((field, index) => {
    const result = checkField(field, index, { ...options, strict: true });
    problems.push(...result.problems);
    if (result.checked) targets.push(result.checked.field.target);
  });
  const seen = new Set<string>();
  for (const target of targets) {
    const key = options.headers ? target.toLowerCase() : target;
    if (seen.has(key)) problems.push(`${target}: target given more than once`);
    seen.add(key);
  }
  if (!options.headers) {
    for (const target of new Set(targets)) {
      const parent = targets.find((other) => target.startsWith(`${other}.`));
      if (parent !== undefined) problems.push(`${target}: conflicts with target ${parent}, which holds a value`);
    }
  }
  return problems;
}
