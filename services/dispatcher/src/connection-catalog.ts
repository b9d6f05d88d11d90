import { Inject, Injectable } from '@nestjs/common';
import { authSecretOpener, connectionFromRow, ConnectionSettings, signingSecretOpener } from '@flowline/delivery';
import { ConfigCatalog, Infrastructure } from '@flowline/runtime';
import { CLOCK } from './clock';
import type { Clock } from './clock';

/** The connections in force, by id. */
@Injectable()
export class ConnectionCatalog extends ConfigCatalog<Map<string, ConnectionSettings>> {
  constructor(
    @Inject(Infrastructure) infrastructure: Infrastructure,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    const { FLOWLINE_SECRET_KEY, FLOWLINE_SECRET_KEY_PREVIOUS } = infrastructure.config;
    const open = signingSecretOpener(FLOWLINE_SECRET_KEY, FLOWLINE_SECRET_KEY_PREVIOUS);
    const openAuth = authSecretOpener(FLOWLINE_SECRET_KEY, FLOWLINE_SECRET_KEY_PREVIOUS);
    super(
      infrastructure,
      'connection-catalog',
      new Map(),
      (rows) => new Map(rows.connections.map((row) => [row.id, connectionFromRow(row, open, openAuth)])),
    );
  }

  private lastLookedAgain = 0;

  /**
   * Reloads when a delivery names a connection this catalog does not know (it may be newer),
   * at most once a second: a stream of deliveries for a deleted connection costs one reload.
   */
  async refreshForUnknown(): Promise<void> {
    if (this.clock.now() - this.lastLookedAgain < 1000) return;
    this.lastLookedAgain = this.clock.now();
    await this.refresh();
  }

  /** Every connection in force. */
  all(): Iterable<ConnectionSettings> {
    return this.current().values();
  }

  /** A connection of this tenant, or undefined (deleted, or another tenant's id). */
  find(tenant: string, id: string): ConnectionSettings | undefined {
    const connection = this.current().get(id);
    return connection?.tenant === tenant ? connection : undefined;
  }
}
