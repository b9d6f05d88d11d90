import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { authSecretOpener, connectionFromRow, ConnectionSettings, signingSecretOpener } from '@flowline/delivery';
import { ConfigCatalog, ConfigSnapshot, Infrastructure } from '@flowline/runtime';
import { CLOCK } from './clock';
import type { Clock } from './clock';

/** The connections in force, by tenant and id. */
@Injectable()
export class ConnectionCatalog extends ConfigCatalog<Map<string, ConnectionSettings>> implements OnModuleInit {
  constructor(
    @Inject(ConfigSnapshot) snapshot: ConfigSnapshot,
    @Inject(Infrastructure) infrastructure: Infrastructure,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    const { FLOWLINE_SECRET_KEY, FLOWLINE_SECRET_KEY_PREVIOUS } = infrastructure.config;
    const open = signingSecretOpener(FLOWLINE_SECRET_KEY, FLOWLINE_SECRET_KEY_PREVIOUS);
    const openAuth = authSecretOpener(FLOWLINE_SECRET_KEY, FLOWLINE_SECRET_KEY_PREVIOUS);
    super(
      snapshot,
      infrastructure.logger.child({ component: 'connection-catalog' }),
      (tables) => new Map(tables.connections.map((row) => [row.id, connectionFromRow(row, open, openAuth)])),
    );
  }

  private lastLookedAgain = 0;

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    // A pause is the dispatcher's own write and reloads nothing (decision 0017): every dispatcher
    // holds the connection's deliveries from the notice on, as the one that paused it does.
    this.snapshot.onConnectionPaused(({ tenant, connectionId, reason }) => {
      const connection = this.find(tenant, connectionId);
      if (!connection) return;
      connection.paused = true;
      if (reason !== undefined) connection.pausedReason = reason;
    });
  }

  /**
   * Reloads when a delivery names a connection this catalog does not know (it may be newer),
   * at most once a second: a stream of deliveries for a deleted connection costs one check.
   */
  async refreshForUnknown(): Promise<void> {
    if (this.clock.now() - this.lastLookedAgain < 1000) return;
    this.lastLookedAgain = this.clock.now();
    await this.refresh();
  }

  /** Every connection in force. */
  *all(): Iterable<ConnectionSettings> {
    for (const connections of this.views().values()) yield* connections.values();
  }

  /** A connection of this tenant, or undefined (deleted, or another tenant's id). */
  find(tenant: string, id: string): ConnectionSettings | undefined {
    return this.view(tenant)?.get(id);
  }
}
