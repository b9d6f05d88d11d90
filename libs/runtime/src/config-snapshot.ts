import type { Logger } from 'pino';
import type { ConfigChangeHandlers, ConfigSource, ConnectionPausedNotice, TenantConfig } from '@flowline/db';

/** Why tenants were reloaded: the label of `flowline_config_reloads_total`. */
export type ReloadCause = 'start' | 'notify' | 'poll' | 'reconnect' | 'refresh';

/** Tenants whose configuration was reloaded: each with its new configuration, or undefined if it has none left. */
export interface ConfigChange {
  cause: ReloadCause;
  tenants: ReadonlyMap<string, TenantConfig | undefined>;
}

/** What tells the snapshot of changes as they are committed (PostgreSQL LISTEN in a service). */
export interface ChangeFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ConfigSnapshotOptions {
  /** How often every tenant's version is compared: the fallback should a notification be lost. */
  refreshMs: number;
  logger: Logger;
  /** Opens the change feed with the snapshot's handlers; without one, only polling. */
  feed?: (handlers: ConfigChangeHandlers) => ChangeFeed;
  /** Counts tenants reloaded, by cause. */
  countReloads?: (cause: ReloadCause, tenants: number) => void;
}

/**
 * The tenants whose configuration must be read again: their version differs from the one held
 * (or is new), or they have no version any more. Pure, so it is tested without a database.
 */
export function staleTenants(held: ReadonlyMap<string, string>, current: ReadonlyMap<string, string>): string[] {
  const stale: string[] = [];
  for (const [tenant, version] of current) if (held.get(tenant) !== version) stale.push(tenant);
  for (const tenant of held.keys()) if (!current.has(tenant)) stale.push(tenant);
  return stale;
}

/**
 * Which of the `asked` tenants a load changed, given what is held: a version that moved, a tenant
 * that appeared, or one that has no configuration any more. Pure.
 */
export function changedTenants(
  held: ReadonlyMap<string, TenantConfig>,
  loaded: ReadonlyMap<string, TenantConfig>,
  asked: readonly string[],
): Map<string, TenantConfig | undefined> {
  const changed = new Map<string, TenantConfig | undefined>();
  for (const tenant of asked) {
    const before = held.get(tenant);
    const after = loaded.get(tenant);
    if (before?.version === after?.version) continue;
    changed.set(tenant, after);
  }
  return changed;
}

/**
 * The process's one copy of every tenant's configuration rows, shared by all its catalogs (one
 * per process, however many services it runs). A tenant is read again when its version moves:
 * announced by the change feed (PostgreSQL NOTIFY) within milliseconds, and found by comparing
 * every tenant's version every `refreshMs`, after the feed reconnects, and on `refresh()`.
 * Loads run one at a time, in order, so a catalog never sees an older version after a newer one.
 */
export class ConfigSnapshot {
  private held = new Map<string, TenantConfig>();
  private readonly changeListeners = new Set<(change: ConfigChange) => void>();
  private readonly pauseListeners = new Set<(notice: ConnectionPausedNotice) => void>();
  private readonly notified = new Set<string>();
  private notifiedLoadQueued = false;
  private queue: Promise<void> = Promise.resolve();
  /** A full check queued but not begun: callers asking meanwhile share it (it starts after their ask). */
  private queuedCheck: Promise<void> | undefined;
  private started: Promise<void> | undefined;
  private startDone = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private feed: ChangeFeed | undefined;

  constructor(
    private readonly source: ConfigSource,
    private readonly options: ConfigSnapshotOptions,
  ) {}

  /**
   * Listens, then loads every tenant; resolves when loaded. Idempotent: every catalog of the
   * process calls it from `onModuleInit`, before any consumer starts, and the first does the work.
   */
  start(): Promise<void> {
    this.started ??= this.begin();
    return this.started;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.feed?.stop();
    await this.queue.catch(() => undefined);
  }

  /** Every tenant's configuration held now. */
  tenants(): ReadonlyMap<string, TenantConfig> {
    return this.held;
  }

  /** Called after each load that changed tenants; answers the unsubscribe function. */
  onChange(listener: (change: ConfigChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Called when a connection was paused (by a dispatcher after a 410, or by an operator). */
  onConnectionPaused(listener: (notice: ConnectionPausedNotice) => void): () => void {
    this.pauseListeners.add(listener);
    return () => this.pauseListeners.delete(listener);
  }

  /**
   * Compares every tenant's version now and reloads those that moved. Queued behind the load in
   * flight rather than sharing it: that one may have read the versions before the caller's change.
   */
  refresh(): Promise<void> {
    return this.check('refresh');
  }

  private async begin(): Promise<void> {
    this.feed = this.options.feed?.({
      tenantChanged: (tenant) => this.tenantChanged(tenant),
      connectionPaused: (notice) => this.connectionPaused(notice),
      listening: () => {
        // The first time, the load below follows; later, notifications may have been missed.
        if (this.startDone) this.check('reconnect').catch((err) => this.warn(err));
      },
    });
    await this.feed?.start();
    await this.check('start');
    this.startDone = true;
    this.loadNotified();
    if (this.stopped) return;
    this.timer = setInterval(() => void this.check('poll').catch((err) => this.warn(err)), this.options.refreshMs);
    this.timer.unref();
  }

  private tenantChanged(tenant: string): void {
    this.notified.add(tenant);
    // Before the first load ends, that load (or the one right after it) covers the tenant.
    if (this.startDone) this.loadNotified();
  }

  /** Queues one load of the notified tenants; those notified meanwhile join it. */
  private loadNotified(): void {
    if (this.notifiedLoadQueued || this.notified.size === 0) return;
    this.notifiedLoadQueued = true;
    this.enqueue(() => {
      this.notifiedLoadQueued = false;
      const tenants = [...this.notified];
      this.notified.clear();
      return this.reload(tenants, 'notify');
    }).catch((err) => this.warn(err));
  }

  private connectionPaused(notice: ConnectionPausedNotice): void {
    for (const listener of this.pauseListeners) listener(notice);
  }

  private check(cause: ReloadCause): Promise<void> {
    if (this.queuedCheck) return this.queuedCheck;
    const check = this.enqueue(async () => {
      if (this.queuedCheck === check) this.queuedCheck = undefined;
      // Notifications so far are of commits the versions read next sees; later ones are kept.
      this.notified.clear();
      const versions = await this.source.versions();
      const held = new Map([...this.held].map(([tenant, config]) => [tenant, config.version]));
      await this.reload(staleTenants(held, versions), cause);
    });
    this.queuedCheck = check;
    void check.catch(() => {
      if (this.queuedCheck === check) this.queuedCheck = undefined;
    });
    return check;
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.catch(() => undefined).then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async reload(tenants: string[], cause: ReloadCause): Promise<void> {
    if (tenants.length === 0) return;
    const loaded = await this.source.load(tenants);
    const changed = changedTenants(this.held, loaded, tenants);
    if (changed.size === 0) return;
    const held = new Map(this.held);
    for (const [tenant, config] of changed) {
      if (config) held.set(tenant, config);
      else held.delete(tenant);
    }
    this.held = held;
    this.options.countReloads?.(cause, changed.size);
    this.options.logger.debug(
      changed.size <= 20 ? { cause, tenants: [...changed.keys()] } : { cause, tenantCount: changed.size },
      'configuration reloaded',
    );
    const change: ConfigChange = { cause, tenants: changed };
    for (const listener of this.changeListeners) listener(change);
  }

  private warn(err: unknown): void {
    this.options.logger.warn({ err }, 'configuration check failed');
  }
}
