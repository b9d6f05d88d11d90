import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@flowline/runtime';
import { DeliverWebhooks } from './deliver-webhooks';

/** How often held deliveries are looked for: a resumed connection's deliveries leave within this. */
const SWEEP_EVERY_MS = 2_000;

/** Runs the dispatcher's queue housekeeping (`DeliverWebhooks.sweep`), one sweep at a time. */
@Injectable()
export class QueueSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(DeliverWebhooks) private readonly deliveries: DeliverWebhooks,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.deliveries
        .sweep()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'retry queue sweep failed; tried again shortly'))
        .finally(() => (this.running = undefined));
    }, SWEEP_EVERY_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
