import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { FlowlineEnv } from '@flowline/config';
import { RetentionRunner } from '@flowline/db';
import { LOGGER } from '@flowline/runtime';

/** Pause between batches: the API's queries find the database free between two of them. */
const PAUSE_BETWEEN_BATCHES_MS = 50;

/**
 * Retention as in-service housekeeping (decision 0021): every `FLOWLINE_RETENTION_INTERVAL_S`
 * the api runs one pass, in small batches, unless another replica (or the `retention` command)
 * runs one now. A pass ends between batches when the api shuts down; the next one resumes.
 */
@Injectable()
export class RetentionHousekeeping implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    @Inject(FlowlineEnv) private readonly config: FlowlineEnv,
    @Inject(RetentionRunner) private readonly retention: RetentionRunner,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.FLOWLINE_RETENTION_INTERVAL_S === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.pass().finally(() => (this.running = undefined));
    }, this.config.FLOWLINE_RETENTION_INTERVAL_S * 1000);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async pass(): Promise<void> {
    try {
      const counts = await this.retention.runPass(this.config, {
        now: new Date(),
        pauseMs: PAUSE_BETWEEN_BATCHES_MS,
        stopped: () => this.stopping,
      });
      if (counts && Object.values(counts).some((count) => count > 0))
        this.logger.info({ removed: counts }, 'retention removed records past their horizon');
    } catch (err) {
      this.logger.warn({ err }, 'retention pass failed; the next pass resumes');
    }
  }
}
