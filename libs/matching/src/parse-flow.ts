import {
  ACTIVATION_OBJECTS,
  type ActivateFor,
  type ActivationObject,
  FILTER_OPERATORS,
  FILTER_TARGETS,
  type FilterOperator,
  type FilterTarget,
  type FlowDefinition,
  type FlowFilter,
  type FlowSource,
} from './flow-definition';

/** The shape of a `flows` row (FlowEntity), structurally: matching does not depend on the ORM. */
export interface FlowRecord {
  id: string;
  tenantId: string;
  name: string;
  live: boolean;
  active: boolean;
  /** `{types: [..]}` or `{preset: ..}` (jsonb). */
  source: unknown;
  /** `{registration_status: [tags], ...}` (jsonb, snake_case keys as in docs/CONTRACT.md §6). */
  activateFor: unknown;
  /** `[{on, field, op, value}]` (jsonb). */
  filters: unknown;
  connectionId: string | null;
  payloadMappingId: string | null;
  headerMappingId: string | null;
}

/**
 * Turns a stored flow into a FlowDefinition. Total: whatever the jsonb columns hold, it returns a
 * definition; whatever it cannot understand is named in `invalid` (and makes the flow incomplete)
 * rather than dropped, because a dropped filter or activation would widen what the flow sends.
 */
export function parseFlow(record: FlowRecord): FlowDefinition {
  const invalid: string[] = [];
  const flow: FlowDefinition = {
    id: record.id,
    tenant: record.tenantId,
    name: record.name,
    live: record.live,
    active: record.active,
    source: parseSource(record.source, invalid),
    activateFor: parseActivateFor(record.activateFor, invalid),
    filters: parseFilters(record.filters, invalid),
    destination: {
      ...(record.connectionId ? { connectionId: record.connectionId } : {}),
      ...(record.payloadMappingId ? { payloadMappingId: record.payloadMappingId } : {}),
      ...(record.headerMappingId ? { headerMappingId: record.headerMappingId } : {}),
    },
  };
  return invalid.length > 0 ? { ...flow, invalid } : flow;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** A missing or empty source is not invalid, only missing (flowCompleteness says so). */
function parseSource(source: unknown, invalid: string[]): FlowSource {
  if (source === null || source === undefined) return null;
  if (!isRecord(source)) {
    invalid.push('source');
    return null;
  }
  if (source.types !== undefined) {
    if (isStringList(source.types)) return { types: source.types };
    invalid.push('source.types');
    return null;
  }
  if (source.preset !== undefined) {
    if (typeof source.preset === 'string') return source.preset.trim() === '' ? null : { preset: source.preset };
    invalid.push('source.preset');
    return null;
  }
  return null;
}

function parseActivateFor(activateFor: unknown, invalid: string[]): ActivateFor {
  if (activateFor === null || activateFor === undefined) return {};
  if (!isRecord(activateFor)) {
    invalid.push('activate_for');
    return {};
  }
  const parsed: ActivateFor = {};
  for (const [object, tags] of Object.entries(activateFor)) {
    if (!(ACTIVATION_OBJECTS as readonly string[]).includes(object)) invalid.push(`activate_for.${object}`);
    else if (tags === null || tags === undefined) continue;
    else if (!isStringList(tags)) invalid.push(`activate_for.${object}`);
    else parsed[object as ActivationObject] = tags;
  }
  return parsed;
}

/**
 * Filter values by operator: `eq`, `neq`, `contains` take text, a number or a boolean; `in`, `nin`
 * a list of those (a single one is a list of one); `exists` nothing, a boolean, or "true"/"false".
 * `event` and `profile` filters need a field; an `attendee_type` filter without one reads the type.
 */
function parseFilters(filters: unknown, invalid: string[]): FlowFilter[] {
  if (filters === null || filters === undefined) return [];
  if (!Array.isArray(filters)) {
    invalid.push('filters');
    return [];
  }
  const parsed: FlowFilter[] = [];
  for (const [index, filter] of (filters as unknown[]).entries()) {
    const at = `filters[${index}]`;
    if (!isRecord(filter)) {
      invalid.push(at);
      continue;
    }
    const { on, op, value } = filter;
    const field = filter.field ?? (on === 'attendee_type' ? 'value' : undefined);
    const problems: string[] = [];
    if (!(FILTER_TARGETS as readonly unknown[]).includes(on)) problems.push(`${at}.on`);
    if (typeof field !== 'string' || field.trim() === '') problems.push(`${at}.field`);
    if (!(FILTER_OPERATORS as readonly unknown[]).includes(op)) problems.push(`${at}.op`);
    else if (!valueFits(op as FilterOperator, value)) problems.push(`${at}.value`);
    if (problems.length > 0) {
      invalid.push(...problems);
      continue;
    }
    parsed.push({
      on: on as FilterTarget,
      field: (field as string).trim(),
      op: op as FilterOperator,
      ...(value === undefined ? {} : { value }),
    });
  }
  return parsed;
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && isFinite(value));
}

function valueFits(op: FilterOperator, value: unknown): boolean {
  switch (op) {
    case 'eq':
    case 'neq':
    case 'contains':
      return isScalar(value);
    case 'in':
    case 'nin':
      return isScalar(value) || (Array.isArray(value) && value.every(isScalar));
    case 'exists':
      return (
        value === undefined || value === null || typeof value === 'boolean' || value === 'true' || value === 'false'
      );
  }
}
