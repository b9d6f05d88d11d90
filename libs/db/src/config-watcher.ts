import type { Logger } from 'pino';
import { ConfigRepository, ConfigRows } from './repositories/config.repository';

/**
 * Keeps a service's view of the configuration fresh: polls the config version every
 * `refreshMs` and reloads only when it moved, so a change made through the API is in force
 * within `refreshMs` plus one reload (CONTRACT §6: 5 s).
 */
export class ConfigWatcher {
  private timer: NodeJS.Timeout | undefined;
  private version: string | undefined;
  private reloading: Promise<void> | undefined;

  constructor(
    private readonly repository: ConfigRepository,
    private readonly refreshMs: number,
    private readonly apply: (rows: ConfigRows) => void,
    private readonly logger: Logger,
  ) {}

  /** Loads once before returning, so a service never handles an event with no configuration. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(
      () => void this.refresh().catch((err) => this.logger.warn({ err }, 'config refresh failed')),
      this.refreshMs,
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Reloads if the version moved. Calls queue behind the reload in flight rather than share it:
   * that one may have read the version before the caller's change.
   */
  refresh(): Promise<void> {
    const next = (this.reloading ?? Promise.resolve()).catch(() => undefined).then(() => this.reloadIfChanged());
    this.reloading = next;
    void next
      .finally(() => {
        if (this.reloading === next) this.reloading = undefined;
      })
      .catch(() => undefined);
    return next;
  }

  private async reloadIfChanged(): Promise<void> {
    const version = await this.repository.currentVersion();
    if (version === this.version) return;
    const rows = await this.repository.load();
    this.apply(rows);
    this.version = rows.version;
    this.logger.debug({ version: rows.version }, 'configuration reloaded');
  }
}
