import { SecretBox } from '@flowline/secrets';
import { authFromConfig } from './auth';
import { ConnectionSettings, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from './connection-settings';
import { WebhookSigner } from './webhook-signer';
import { DEFAULT_MAX_IN_FLIGHT, DEFAULT_RATE_LIMIT_PER_S } from './connection-limiter';

/** The columns of a stored connection the dispatcher needs (`ConnectionEntity` fits it). */
export interface ConnectionRecord {
  id: string;
  tenantId: string;
  name: string;
  url: string;
  method: 'POST' | 'GET';
  contentType: string;
  headers: Record<string, string>;
  auth: Record<string, unknown>;
  signingSecret: string | null;
  policy: Record<string, unknown>;
  pausedAt?: Date | null;
  pausedReason?: string | null;
}

/** Opens a connection's sealed signing secret; an error it throws names no secret. */
export type SigningSecretOpener = (sealed: string) => WebhookSigner;

/**
 * The opener for this configuration: SecretBox with FLOWLINE_SECRET_KEY (and the previous keys),
 * or, without a key, one that always fails. Signers are kept by sealed value, so a refresh does
 * not decrypt every secret again.
 */
export function signingSecretOpener(
  secretKey: string | undefined,
  previousKeys: readonly string[],
): SigningSecretOpener {
  const box = secretKey ? new SecretBox(secretKey, previousKeys) : undefined;
  const signers = new Map<string, WebhookSigner>();
  return (sealed) => {
    if (!box) throw new Error('FLOWLINE_SECRET_KEY is not configured, so its signing secret cannot be opened');
    let signer = signers.get(sealed);
    if (!signer) {
      let plaintext: string;
      try {
        plaintext = box.open(sealed);
      } catch {
        throw new Error('its signing secret cannot be opened with FLOWLINE_SECRET_KEY or FLOWLINE_SECRET_KEY_PREVIOUS');
      }
      signer = new WebhookSigner(plaintext);
      signers.set(sealed, signer);
    }
    return signer;
  };
}

/** Opens one sealed auth secret (password, key, token, client_secret, refresh_token); errors name no secret. */
export type AuthSecretOpener = (sealed: string) => string;

/**
 * The opener of auth secrets for this configuration, like `signingSecretOpener`: plaintexts are
 * kept by sealed value, so a catalog refresh does not decrypt every secret again.
 */
export function authSecretOpener(secretKey: string | undefined, previousKeys: readonly string[]): AuthSecretOpener {
  const box = secretKey ? new SecretBox(secretKey, previousKeys) : undefined;
  const opened = new Map<string, string>();
  return (sealed) => {
    if (!box) throw new Error('cannot be opened: FLOWLINE_SECRET_KEY is not configured');
    let plaintext = opened.get(sealed);
    if (plaintext === undefined) {
      try {
        plaintext = box.open(sealed);
      } catch {
        throw new Error('cannot be opened with FLOWLINE_SECRET_KEY or FLOWLINE_SECRET_KEY_PREVIOUS');
      }
      opened.set(sealed, plaintext);
    }
    return plaintext;
  };
}

export function connectionFromRow(
  row: ConnectionRecord,
  openSigningSecret?: SigningSecretOpener,
  openAuthSecret?: AuthSecretOpener,
): ConnectionSettings {
  const policy = row.policy as {
    timeout_ms?: number;
    max_retries?: number;
    retry_schedule_s?: number[];
    rate_limit_per_s?: number;
    max_in_flight?: number;
    ordering?: 'per_subject' | 'none';
    pause_after_failing_s?: number;
  };
  const settings: ConnectionSettings = {
    id: row.id,
    tenant: row.tenantId,
    name: row.name,
    url: row.url,
    method: row.method,
    contentType: row.contentType === 'application/x-www-form-urlencoded' ? row.contentType : 'application/json',
    headers: row.headers,
    timeoutMs: policy.timeout_ms ?? DEFAULT_TIMEOUT_MS,
    maxRetries: policy.max_retries ?? DEFAULT_MAX_RETRIES,
    retryScheduleS: policy.retry_schedule_s ?? [],
    rateLimitPerS: policy.rate_limit_per_s ?? DEFAULT_RATE_LIMIT_PER_S,
    maxInFlight: policy.max_in_flight ?? DEFAULT_MAX_IN_FLIGHT,
    ordering: policy.ordering ?? 'per_subject',
    paused: row.pausedAt != null,
    ...(row.pausedAt != null && row.pausedReason ? { pausedReason: row.pausedReason } : {}),
    ...(policy.pause_after_failing_s === undefined ? {} : { pauseAfterFailingS: policy.pause_after_failing_s }),
  };
  try {
    settings.auth = authFromConfig(row.auth, (sealed) => {
      if (!openAuthSecret) throw new Error('cannot be opened here');
      return openAuthSecret(sealed);
    });
  } catch (error) {
    // Never sent without its auth: the receiver would refuse it, or worse, accept it.
    settings.unusable = `connection ${row.id}: ${(error as Error).message}`;
  }
  if (row.signingSecret) {
    try {
      if (!openSigningSecret) throw new Error('its signing secret cannot be opened here');
      settings.signer = openSigningSecret(row.signingSecret);
    } catch (error) {
      // Never sent unsigned: the receiver expects a signature. The reason names no secret.
      settings.unusable ??= `connection ${row.id}: ${(error as Error).message}`;
    }
  }
  return settings;
}
