import { BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigRepository, ConfigRows, ConfigWatcher } from '@flowline/db';
import { Infrastructure } from './infrastructure';

/**
 * A service's in-memory view of tenants' configuration, rebuilt from PostgreSQL whenever the
 * configuration version moves. Loaded in `onModuleInit`, before any consumer starts (consumers
 * start after `app.init()`, see `connectConsumers`), so no record meets an empty catalog.
 */
export abstract class ConfigCatalog<T> implements OnModuleInit, BeforeApplicationShutdown {
  private snapshot: T;
  private readonly watcher: ConfigWatcher;

  protected constructor(infrastructure: Infrastructure, name: string, empty: T, build: (rows: ConfigRows) => T) {
    this.snapshot = empty;
    this.watcher = new ConfigWatcher(
      new ConfigRepository(infrastructure.dataSource),
      infrastructure.config.FLOWLINE_CONFIG_REFRESH_MS,
      (rows) => {
        this.snapshot = build(rows);
      },
      infrastructure.logger.child({ component: name }),
    );
  }

  protected current(): T {
    return this.snapshot;
  }

  /** Reloads now if the configuration changed (tests and the API's own writes use this). */
  refresh(): Promise<void> {
    return this.watcher.refresh();
  }

  async onModuleInit(): Promise<void> {
    await this.watcher.start();
  }

  beforeApplicationShutdown(): void {
    this.watcher.stop();
  }
}
