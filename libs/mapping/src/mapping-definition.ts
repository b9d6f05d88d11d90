/** A text transform (docs/CONTRACT.md §5), applied in the order the field lists them. */
export type TransformName = 'lower' | 'upper' | 'proper' | 'trim';

/**
 * A managed-tag list (docs/CONTRACT.md §5, after Sesamy's managed tags): every value of `from` and
 * `values` is slugified, prefixed, truncated to `max_length` (99 when absent) and de-duplicated.
 */
export interface ManagedTagsSpec {
  prefix?: string;
  /** Sources, as in a field's `source`: each may point to a string (or number) or to a list of them. */
  from?: string[];
  /** Static values, tagged as they are. */
  values?: Array<string | number | boolean>;
  max_length?: number;
}

/**
 * One target field of a mapping (docs/CONTRACT.md §5): exactly one of `source`, `template`, `value` or
 * `tags` says where its value comes from; the rest says how it is shaped.
 */
export interface MappingField {
  /** Dotted path in the payload (`contact.first_name`); a header name in a header mapping. */
  target: string;
  source?: string;
  template?: string;
  value?: unknown;
  tags?: ManagedTagsSpec;
  transforms?: string[];
  value_map?: Record<string, unknown>;
  default?: unknown;
  required?: boolean;
}

export interface MappingDefinition {
  id: string;
  tenant: string;
  name: string;
  fields: MappingField[];
}

/** All rendering needs of a mapping: its fields (previews render mappings that have no id yet). */
export type MappingFields = Pick<MappingDefinition, 'fields'>;

/** What the event offers a mapping: the envelope and its `data`. `FlowlineEvent` fits it. */
export interface MappingInput {
  id: string;
  type: string;
  subject: string;
  time: string;
  tenant: string;
  source?: string;
  data: Record<string, unknown>;
}

/**
 * What a mapping may read besides the event. Everything is optional so that rendering stays a pure
 * function of its arguments: a named field whose context is absent is simply missing.
 */
export interface MappingContext {
  /** `flow_name`. */
  flowName?: string;
  /** `account_code`; the event's tenant when absent (the account is the tenant). */
  accountCode?: string;
  /** `current_date` (YYYY-MM-DD, UTC). A Date, epoch milliseconds or an ISO string, so fixtures stay JSON. */
  now?: Date | number | string;
  /**
   * Flowline's question tag assignments (docs/CONTRACT.md §3): tag name → the question texts it is applied
   * to. `question:<tag>` finds an answer through them.
   */
  questionTags?: Readonly<Record<string, readonly string[]>>;
}

export interface RenderedPayload {
  payload: Record<string, unknown>;
  /** One readable message per problem, each naming its target; empty when the payload is good. */
  errors: string[];
  /**
   * Set when the rendering stopped at a limit (output size, substitutions): the event and mapping
   * together ask for more than any delivery may be. Also one of `errors`.
   */
  limitExceeded?: string;
}

export interface RenderedHeaders {
  headers: Record<string, string>;
  errors: string[];
  /** As in `RenderedPayload`. */
  limitExceeded?: string;
}
