import type { DeliveryAuth } from './auth/delivery-auth';
import { WebhookSigner } from './webhook-signer';
import { DEFAULT_MAX_IN_FLIGHT, DEFAULT_RATE_LIMIT_PER_S } from './connection-limiter';

/** A connection as the dispatcher uses it (docs/CONTRACT.md §4); plain data from the connections table. */
export interface ConnectionSettings {
  id: string;
  tenant: string;
  name: string;
  url: string;
  method: 'POST' | 'GET';
  contentType: 'application/json' | 'application/x-www-form-urlencoded';
  /** Static custom headers, e.g. X-Company-ID. */
  headers: Record<string, string>;
  timeoutMs: number;
  maxRetries: number;
  /** Seconds before each retry (docs/CONTRACT.md §8); empty: the operator's FLOWLINE_RETRY_SCHEDULE_S. */
  retryScheduleS: readonly number[];
  rateLimitPerS: number;
  maxInFlight: number;
  /** `per_subject` (the default): one subject's deliveries arrive in event order, retries included. */
  ordering: 'per_subject' | 'none';
  /** Paused after a 410 Gone, after failing too long, or by an operator: deliveries are held until it is resumed. */
  paused: boolean;
  /** Why it is paused, when it is and the reason is known. */
  pausedReason?: string;
  /**
   * Seconds its deliveries may all fail with retryable failures before it is paused (decision
   * 0020); undefined: the operator's FLOWLINE_PAUSE_AFTER_FAILING_S; 0: never.
   */
  pauseAfterFailingS?: number;
  /** How deliveries authenticate (docs/CONTRACT.md §4), secrets opened; none when unset. */
  auth?: DeliveryAuth;
  /** Signs every attempt (`webhook-signature`) when the connection has a signing secret. */
  signer?: WebhookSigner;
  /**
   * Why this connection cannot be delivered to at all (e.g. its signing secret cannot be
   * opened): its deliveries are dead-lettered with category `config`. Names no secret.
   */
  unusable?: string;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_RETRIES = 3;

/** A bare URL with the default policy: where a sequence trigger's `webhook_url` is delivered. */
export function urlConnection(tenant: string, url: string): ConnectionSettings {
  return {
    id: 'webhook_url',
    tenant,
    name: 'webhook_url',
    url,
    method: 'POST',
    contentType: 'application/json',
    headers: {},
    timeoutMs: DEFAULT_TIMEOUT_MS,
    maxRetries: DEFAULT_MAX_RETRIES,
    retryScheduleS: [],
    rateLimitPerS: DEFAULT_RATE_LIMIT_PER_S,
    maxInFlight: DEFAULT_MAX_IN_FLIGHT,
    ordering: 'per_subject',
    paused: false,
  };
}
