import { Inject, Injectable } from '@nestjs/common';
import { ConnectionEntity } from '@flowline/db';
import { ConnectionSettings, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, WebhookSigner } from '@flowline/delivery';
import { ConfigCatalog, Infrastructure } from '@flowline/runtime';
import { SecretBox } from '@flowline/secrets';

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

export function connectionFromRow(row: ConnectionEntity, openSigningSecret?: SigningSecretOpener): ConnectionSettings {
  const policy = row.policy as { timeout_ms?: number; max_retries?: number };
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
  };
  if (row.signingSecret) {
    try {
      if (!openSigningSecret) throw new Error('its signing secret cannot be opened here');
      settings.signer = openSigningSecret(row.signingSecret);
    } catch (error) {
      // Never sent unsigned: the receiver expects a signature. The reason names no secret.
      settings.unusable = `connection ${row.id}: ${(error as Error).message}`;
    }
  }
  return settings;
}

/** The connections in force, by id. */
@Injectable()
export class ConnectionCatalog extends ConfigCatalog<Map<string, ConnectionSettings>> {
  constructor(@Inject(Infrastructure) infrastructure: Infrastructure) {
    const open = signingSecretOpener(
      infrastructure.config.FLOWLINE_SECRET_KEY,
      infrastructure.config.FLOWLINE_SECRET_KEY_PREVIOUS,
    );
    super(
      infrastructure,
      'connection-catalog',
      new Map(),
      (rows) => new Map(rows.connections.map((row) => [row.id, connectionFromRow(row, open)])),
    );
  }

  /** A connection of this tenant, or undefined (deleted, or another tenant's id). */
  find(tenant: string, id: string): ConnectionSettings | undefined {
    const connection = this.current().get(id);
    return connection?.tenant === tenant ? connection : undefined;
  }
}
