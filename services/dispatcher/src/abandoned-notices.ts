import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { FlowlineEnv } from '@flowline/config';
import { LOGGER, Notifier } from '@flowline/runtime';

/** How often closed `delivery.abandoned` windows are looked for. */
const FLUSH_EVERY_MS = 1_000;

/**
 * Sends one `delivery.abandoned` per connection and FLOWLINE_NOTIFY_COALESCE_S window (decision
 * 0026): the store counts each abandoned delivery into its connection's digest as it records the
 * attempt; here, every second, the digests whose window closed are sent and cleared. Any
 * dispatcher may send a digest; each is taken by one (`FOR UPDATE SKIP LOCKED`).
 */
@Injectable()
export class AbandonedNotices implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    @Inject(Notifier) private readonly notifier: Notifier,
    @Inject(FlowlineEnv) private readonly config: FlowlineEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.notifier
        .flushAbandoned(this.config.FLOWLINE_NOTIFY_COALESCE_S)
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'could not send delivery.abandoned notices; tried again shortly'),
        )
        .finally(() => (this.running = undefined));
    }, FLUSH_EVERY_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
