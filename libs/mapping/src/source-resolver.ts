import { isRecord, readPath } from './json-path';
import { MappingContext, MappingInput } from './mapping-definition';
import { resolverOf } from './named-fields';
import { isMissing } from './value-text';

const ENVELOPE: Readonly<Record<string, (input: MappingInput) => unknown>> = {
  $id: (input) => input.id,
  $type: (input) => input.type,
  $subject: (input) => input.subject,
  $time: (input) => input.time,
  $tenant: (input) => input.tenant,
  $source: (input) => input.source,
};

/**
 * The value a `source` (or a template placeholder, or a `tags.from` entry) names:
 *
 * - `$id $type $subject $time $tenant $source`: the envelope;
 * - a named field of the catalogue (`email`, `poll_answer_2`, `question:Company Name`...). When the
 *   event has no value for it, a key of that very name at the top of `data` is used instead, so
 *   flat producer data (Sesamy's envelope puts every extra field into `data` unchanged) still maps;
 * - anything else: a dotted path into `data`.
 */
export function resolveSource(source: string, input: MappingInput, context: MappingContext): unknown {
  if (source.startsWith('$')) return Object.hasOwn(ENVELOPE, source) ? ENVELOPE[source]!(input) : undefined;
  const named = resolverOf(source);
  if (!named) return readPath(input.data, source);
  const value = named(input, context);
  if (!isMissing(value)) return value;
  return isRecord(input.data) && Object.hasOwn(input.data, source) ? input.data[source] : undefined;
}
