import { Inject, Injectable } from '@nestjs/common';
import { FlowlineEnv } from '@flowline/config';
import { NotificationRepository } from '@flowline/db';
import { ConnectionSettings, signingSecretOpener, SigningSecretOpener, urlConnection } from '@flowline/delivery';

/** Finds where a notification goes: `NotificationEndpointCatalog` is one. */
export interface NotificationEndpointLookup {
  /** The endpoint as a connection to send to (its URL, its signer); undefined once deleted. */
  find(tenant: string, id: string): Promise<ConnectionSettings | undefined>;
}

/** How long a looked-up endpoint is used before it is read again: an edit takes effect within it. */
const KEPT_MS = 5_000;

/**
 * The tenants' notification endpoints (decision 0026), read from PostgreSQL when a notification
 * names one and kept for a few seconds: notifications are rare, so they are not part of the
 * configuration snapshot. A notification endpoint is sent to with the default retry policy, and
 * is never paused.
 */
@Injectable()
export class NotificationEndpointCatalog implements NotificationEndpointLookup {
  private readonly open: SigningSecretOpener;
  private readonly kept = new Map<string, { at: number; endpoint: ConnectionSettings | undefined }>();

  constructor(
    @Inject(NotificationRepository) private readonly repository: NotificationRepository,
    @Inject(FlowlineEnv) config: FlowlineEnv,
  ) {
    this.open = signingSecretOpener(config.FLOWLINE_SECRET_KEY, config.FLOWLINE_SECRET_KEY_PREVIOUS);
  }

  async find(tenant: string, id: string): Promise<ConnectionSettings | undefined> {
    const key = JSON.stringify([tenant, id]);
    const kept = this.kept.get(key);
    if (kept && Date.now() - kept.at < KEPT_MS) return kept.endpoint;
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await this.repository.find(tenant, id) : undefined;
    let endpoint: ConnectionSettings | undefined;
    if (row?.url) {
      endpoint = { ...urlConnection(tenant, row.url), id: `notification:${row.id}`, name: row.name };
      try {
        if (row.signing_secret) endpoint.signer = this.open(row.signing_secret);
      } catch (error) {
        endpoint.unusable = `notification endpoint ${row.id}: ${(error as Error).message}`;
      }
    }
    this.kept.set(key, { at: Date.now(), endpoint });
    return endpoint;
  }
}
