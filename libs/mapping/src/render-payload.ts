import { MappingDefinition, MappingInput, RenderedPayload } from './mapping-definition';

const ENVELOPE_FIELDS: Record<string, (input: MappingInput) => unknown> = {
  $id: (input) => input.id,
  $type: (input) => input.type,
  $subject: (input) => input.subject,
  $time: (input) => input.time,
  $tenant: (input) => input.tenant,
  $source: (input) => input.source,
};

/** Reads a dotted path (`profile.first_name`, `answers.0.answer`) from plain JSON. */
export function readPath(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Writes `value` at a dotted target, creating the nested objects on the way. */
export function writePath(root: Record<string, unknown>, target: string, value: unknown): void {
  const segments = target.split('.');
  let current = root;
  for (const segment of segments.slice(0, -1)) {
    const next = current[segment];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) current[segment] = {};
    current = current[segment] as Record<string, unknown>;
  }
  current[segments[segments.length - 1]!] = value;
}

function resolveSource(source: string, input: MappingInput): unknown {
  const envelope = ENVELOPE_FIELDS[source];
  return envelope ? envelope(input) : readPath(input.data, source);
}

/**
 * Builds the payload of one delivery from an event. Pure: the same mapping and event always
 * give the same payload, in the mapping's field order. A missing source omits its target (or
 * writes the default); a required target without a value is reported in `errors`.
 */
export function renderPayload(mapping: MappingDefinition, input: MappingInput): RenderedPayload {
  const payload: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const field of mapping.fields) {
    let value = field.source !== undefined ? resolveSource(field.source, input) : field.value;
    if (value === undefined) value = field.default;
    if (value === undefined) {
      if (field.required) errors.push(`${field.target}: required, but the event has no value for it`);
      continue;
    }
    writePath(payload, field.target, value);
  }
  return { payload, errors };
}
