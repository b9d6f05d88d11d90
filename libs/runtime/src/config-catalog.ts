import { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import type { ConfigTables, TenantConfig } from '@flowline/db';
import { ConfigChange, ConfigSnapshot } from './config-snapshot';

/**
 * A service's view of tenants' configuration, built per tenant from the process's one
 * `ConfigSnapshot`: when a tenant's configuration changes, only that tenant's view is rebuilt.
 * Built in `onModuleInit`, before any consumer starts (consumers start after `app.init()`, see
 * `connectConsumers`), so no record meets an empty catalog.
 *
 * The views are replaced, never changed in place (copy on write): a caller that took `views()`
 * for a chunk keeps one consistent configuration to the end of it.
 */
export abstract class ConfigCatalog<V> implements OnModuleInit, OnModuleDestroy {
  private byTenant: ReadonlyMap<string, V> = new Map();
  private unsubscribe: (() => void) | undefined;

  protected constructor(
    protected readonly snapshot: ConfigSnapshot,
    private readonly logger: Logger,
    private readonly build: (tables: ConfigTables, tenant: string) => V,
  ) {}

  /** Compares every tenant's version now and reloads those that moved (an unknown id may be newer). */
  refresh(): Promise<void> {
    return this.snapshot.refresh();
  }

  async onModuleInit(): Promise<void> {
    await this.snapshot.start();
    this.unsubscribe = this.snapshot.onChange((change: ConfigChange) => this.rebuild(change.tenants));
    this.rebuild(this.snapshot.tenants());
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Each tenant's view, as of now. */
  protected views(): ReadonlyMap<string, V> {
    return this.byTenant;
  }

  protected view(tenant: string): V | undefined {
    return this.byTenant.get(tenant);
  }

  /** Called after views were replaced (views() is the new map); catalogs with derived indexes override it. */
  protected viewsChanged(_changed: ReadonlyMap<string, V | undefined>): void {}

  private rebuild(tenants: ReadonlyMap<string, TenantConfig | undefined>): void {
    const byTenant = new Map(this.byTenant);
    const changed = new Map<string, V | undefined>();
    for (const [tenant, config] of tenants) {
      if (!config) {
        byTenant.delete(tenant);
        changed.set(tenant, undefined);
        continue;
      }
      try {
        const view = this.build(config.tables, tenant);
        byTenant.set(tenant, view);
        changed.set(tenant, view);
      } catch (err) {
        // One tenant's unreadable row must not hold back the others: it keeps its last view.
        this.logger.error({ err, tenant, version: config.version }, 'configuration view not rebuilt');
      }
    }
    this.byTenant = byTenant;
    this.viewsChanged(changed);
  }
}
