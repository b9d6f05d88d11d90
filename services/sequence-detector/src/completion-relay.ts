import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { FlowlineEnv } from '@flowline/config';
import { ExpiryCursor, SequenceStateRepository } from '@flowline/db';
import { expireState, LeadSequenceState } from '@flowline/matching';
import { FlowlineMetrics } from '@flowline/observability';
import { LOGGER } from '@flowline/runtime';
import { DetectSequences } from './detect-sequences';
import { SequenceCatalog } from './sequence-catalog';

const EVERY_MS = 5_000;
/** Open states looked at per tick. */
const EXPIRY_PAGE = 1000;

/**
 * Housekeeping of the detector, every few seconds: produce completions recorded by a process that
 * died before producing them, drop partial progress whose window has passed, and publish the
 * number of open partial matches.
 */
@Injectable()
export class CompletionRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Where expiry's last page ended. */
  private expiryCursor: ExpiryCursor | undefined;

  constructor(
    @Inject(DetectSequences) private readonly detector: DetectSequences,
    @Inject(SequenceCatalog) private readonly catalog: SequenceCatalog,
    @Inject(FlowlineMetrics) private readonly metrics: FlowlineMetrics,
    @Inject(FlowlineEnv) private readonly config: FlowlineEnv,
    @Inject(SequenceStateRepository) private readonly states: SequenceStateRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => {
        this.running = undefined;
      });
    }, EVERY_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  async tick(): Promise<void> {
    try {
      // Completions still unflagged FLOWLINE_SEQUENCE_RELAY_AFTER_S after they were recorded were
      // left by a crash (a live send that is merely slow gets that long before the relay steps in).
      await this.states.exclusively('sequence-relay', async () => {
        const stranded = await this.states.unproduced(this.config.FLOWLINE_SEQUENCE_RELAY_AFTER_S);
        if (stranded.length > 0) {
          this.logger.warn({ count: stranded.length }, 'producing completed sequences left unproduced');
          await this.detector.produce(this.catalog.index(), stranded);
        }
      });
      await this.expire();
      this.metrics.sequencePartialMatches.set(await this.states.countOpen());
    } catch (err) {
      this.logger.warn({ err }, 'sequence housekeeping failed');
    }
  }

  /** Partial progress untouched for a while is checked against the stream's time and dropped if stale. */
  private async expire(): Promise<void> {
    const index = this.catalog.index();
    // The consumed stream's time, not the wall clock: a backlog's progress is not expired early.
    const now = this.detector.streamTime();
    if (now === undefined) return;
    const idleBefore = new Date(now - 60_000);
    const idle = await this.states.idleSince(idleBefore, this.expiryCursor, EXPIRY_PAGE);
    // The next tick pages on from here; a short page means the end: start over next time.
    this.expiryCursor = idle.length === EXPIRY_PAGE ? idle[idle.length - 1]!.cursor : undefined;
    const stale = idle.filter((change) => {
      const sequence = index.get(change.sequenceId)?.definition;
      if (!sequence) return true;
      return (
        expireState(sequence, change.state as LeadSequenceState, now, {
          allowedLatenessMs: this.config.FLOWLINE_SEQUENCE_LATENESS_S * 1000,
        }) === undefined
      );
    });
    await this.states.dropIdle(stale, idleBefore);
  }
}
