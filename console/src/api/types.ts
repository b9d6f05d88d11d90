/**
 * The REST API's answers and bodies as the console uses them (docs/CONTRACT.md §3–§9; the api's DTOs in
 * services/api/src). The console talks to nothing else, so everything it shows can be had with curl.
 */

export interface Session {
  tenant: { id: string; name: string };
  csrf_token: string;
  expires_at: string;
}

export type AuthType = 'none' | 'basic' | 'api_key' | 'bearer' | 'oauth2';

export interface ConnectionAuth {
  type: AuthType;
  username?: string;
  password?: string;
  header?: string;
  key?: string;
  token?: string;
  grant_type?: 'client_credentials' | 'authorization_code';
  client_id?: string;
  client_secret?: string;
  token_url?: string;
  scope?: string;
  refresh_token?: string;
}

export interface ConnectionBody {
  name: string;
  url: string;
  method: 'POST' | 'GET';
  content_type: 'application/json' | 'application/x-www-form-urlencoded';
  auth: ConnectionAuth;
  headers: Record<string, string>;
  signing_secret?: string;
  timeout_ms?: number;
  max_retries?: number;
}

export interface Connection extends Omit<ConnectionBody, 'signing_secret'> {
  id: string;
  signing_secret: string | null;
  paused: { at: string; reason: string | null } | null;
  created_at: string;
  updated_at: string;
}

export interface ConnectionTest {
  ok: boolean;
  status: number | null;
  latency_ms: number;
  error: string | null;
}

export type TransformName = 'lower' | 'upper' | 'proper' | 'trim';

export interface MappingField {
  target: string;
  source?: string;
  template?: string;
  value?: unknown;
  tags?: { prefix?: string; from?: string[]; values?: string[]; max_length?: number };
  transforms?: TransformName[];
  value_map?: Record<string, string>;
  default?: unknown;
  required?: boolean;
}

export interface MappingBody {
  name: string;
  fields: MappingField[];
}

export interface Mapping extends MappingBody {
  id: string;
  created_at: string;
  updated_at: string;
}

export interface Preview {
  payload: Record<string, unknown>;
  headers: Record<string, string>;
  errors: string[];
}

export type ActivationObject =
  'registration_status' | 'registration_property' | 'session_registration_status' | 'event_status';

export interface FlowFilter {
  on: 'event' | 'profile' | 'attendee_type';
  field: string;
  op: 'eq' | 'neq' | 'in' | 'nin' | 'exists' | 'contains';
  value?: unknown;
}

export interface FlowBody {
  name: string;
  live: boolean;
  active: boolean;
  source?: { types?: string[]; preset?: string };
  activate_for?: Partial<Record<ActivationObject, string[]>>;
  filters?: FlowFilter[];
  destination?: { connection_id: string; payload_mapping_id: string; header_mapping_id?: string };
}

export interface Flow extends FlowBody {
  id: string;
  complete: boolean;
  missing: string[];
  created_at: string;
  updated_at: string;
}

export interface Tag {
  name: string;
  label: string;
  objects: string[];
  assignments: Array<{ object: string; value: string }>;
}

export interface SequenceBody {
  name: string;
  event_types: string[];
  window_seconds: number;
  window_unit?: string;
  ordered: boolean;
  active: boolean;
  webhook_url?: string;
  emails?: string[];
  email_subject?: string;
  email_preheader?: string;
  email_message?: string;
}

export interface Sequence extends SequenceBody {
  id: string;
  created_at?: string;
}

export interface SequenceEvent {
  id?: string;
  event_type: string;
  created_at: string;
}

export interface Simulation {
  matched: boolean;
  events: SequenceEvent[];
}

export interface CompletedSequence {
  id: string;
  sequence_id: string;
  lead_id: string;
  events: SequenceEvent[];
  completed_at: string;
}

export interface Delivery {
  id: string;
  subject: string;
  connection_id: string | null;
  flow_id: string | null;
  sequence_id: string | null;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

/** One attempt of a delivery: `attempt_log` of GET /deliveries/{id} and GET /retry-queue/{id}. */
export interface Attempt {
  time: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  /** The first KiB of the response. */
  response: string | null;
}

export type QueueStatus = 'retry' | 'error' | 'failed' | 'done';
export type QueueCategory = 'general' | 'system' | 'config' | 'connection' | 'validation';

export interface RetryQueueItem {
  id: string;
  status: QueueStatus;
  delivery_status: string;
  category: QueueCategory | null;
  integration: 'webhook' | 'email';
  subject: string;
  connection_id: string | null;
  flow_id: string | null;
  sequence_id: string | null;
  event_id: string;
  event_type: string;
  attempts: number;
  retry_count: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  queued_at: string;
  updated_at: string;
}

export interface Insights {
  from: string;
  to: string;
  live: boolean | null;
  changes_processed: number;
  unique_registrations: number;
  actions_triggered: number;
  actions_not_triggered: number;
  actions_not_triggered_by_reason: Record<string, number>;
  active_flows: number;
  deliveries_succeeded: number;
  deliveries_failed: number;
  in_retry_queue: number;
  total_retried: number;
  retried_abandoned: number;
  validation_errors: number;
}

export interface Replay {
  id: string;
  flow_id: string;
  from: string;
  to: string;
  event_id: string | null;
  status: string;
  events_read: number;
  actions_produced: number;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}
