import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { FlowlineEnv } from '@flowline/config';
import { ProcessedEventsRepository } from '@flowline/db';
import { LOGGER } from '@flowline/runtime';

const PRUNE_EVERY_MS = 10 * 60 * 1000;

/** Forgets event ids once they leave the dedupe horizon, so the table stays bounded. */
@Injectable()
export class DedupeHorizonPruner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    @Inject(FlowlineEnv) private readonly config: FlowlineEnv,
    @Inject(ProcessedEventsRepository) private readonly repository: ProcessedEventsRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async prune(): Promise<void> {
    const cutoff = new Date(Date.now() - this.config.FLOWLINE_DEDUPE_HORIZON_S * 1000);
    try {
      const count = await this.repository.pruneOlderThan(cutoff);
      if (count > 0) this.logger.info({ count }, 'event ids past the dedupe horizon forgotten');
    } catch (err) {
      this.logger.warn({ err }, 'pruning the dedupe horizon failed');
    }
  }
}
