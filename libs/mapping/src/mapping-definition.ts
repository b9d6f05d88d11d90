/** One target field of a mapping (CONTRACT §5). This foundation supports `source` and `value`. */
export interface MappingField {
  target: string;
  source?: string;
  value?: unknown;
  default?: unknown;
  required?: boolean;
}

export interface MappingDefinition {
  id: string;
  tenant: string;
  name: string;
  fields: MappingField[];
}

/** What the event offers a mapping: the envelope and its `data`. */
export interface MappingInput {
  id: string;
  type: string;
  subject: string;
  time: string;
  tenant: string;
  source?: string;
  data: Record<string, unknown>;
}

export interface RenderedPayload {
  payload: Record<string, unknown>;
  errors: string[];
}
