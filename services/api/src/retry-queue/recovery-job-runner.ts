import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { FlowlineEnv } from '@flowline/config';
import { TopicNames } from '@flowline/contracts';
import {
  ConnectionsRepository,
  DeliveryStore,
  RecoveryJobRepository,
  RecoveryJobRow,
  RecoveryLease,
} from '@flowline/db';
import { DEFAULT_RATE_LIMIT_PER_S } from '@flowline/delivery';
import { LOGGER } from '@flowline/runtime';
import { RECOVERY_TICK_MS, recoveryBatchSize } from './recovery-pace';

/** A job whose runner keeps dying is failed rather than resumed forever (as replays are). */
const MAX_TAKEOVERS = 3;

interface RunningJob {
  stop: AbortController;
  finished: Promise<void>;
}

/**
 * Runs recovery jobs (decision 0025): hands the matched items to the retry queue in delivery
 * order, a tick's worth at a time (`recoveryBatchSize`), each set `held` at the end of its lane
 * by the delivery store; the dispatcher's sweeper then releases each lane in order, under the
 * connection's limits. Records progress every tick, and finishes once every item it handed over
 * has settled. Each job runs under a lease like a replay's (decision 0015): renewed every tick,
 * given up at a graceful stop, taken over by another api process once it ran out.
 */
@Injectable()
export class RecoveryJobRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly lease: RecoveryLease;
  private readonly running = new Map<string, RunningJob>();
  private recovery: NodeJS.Timeout | undefined;
  private recovering = false;
  private stopping = false;

  constructor(
    @Inject(RecoveryJobRepository) private readonly jobs: RecoveryJobRepository,
    @Inject(DeliveryStore) private readonly store: DeliveryStore,
    @Inject(ConnectionsRepository) private readonly connections: ConnectionsRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(FlowlineEnv) config: FlowlineEnv,
    @Inject(TopicNames) topics: TopicNames,
  ) {
    this.lease = {
      owner: `${hostname()}/${process.pid}/${randomUUID()}`,
      ms: config.FLOWLINE_REPLAY_LEASE_MS,
      topicPrefix: topics.prefix,
    };
  }

  onApplicationBootstrap(): void {
    void this.takeOverExpired();
    this.recovery = setInterval(() => void this.takeOverExpired(), this.lease.ms / 2);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.recovery);
    for (const job of this.running.values()) job.stop.abort();
    await Promise.allSettled([...this.running.values()].map((job) => job.finished));
  }

  /** Starts a job just created with this process's lease. */
  start(job: RecoveryJobRow): void {
    const stop = new AbortController();
    const finished = this.run(job, stop.signal).finally(() => this.running.delete(job.id));
    this.running.set(job.id, { stop, finished });
  }

  private async takeOverExpired(): Promise<void> {
    if (this.recovering || this.stopping) return;
    this.recovering = true;
    try {
      for (const job of await this.jobs.takeOverExpired(this.lease, [...this.running.keys()])) {
        const log = { recoveryJobId: job.id, tenant: job.tenant_id, takeovers: job.takeovers };
        if (this.stopping) {
          await this.jobs.release(job.id, this.lease.owner);
        } else if (job.takeovers > MAX_TAKEOVERS) {
          this.logger.error(log, 'recovery job failed: its runner died too often');
          const error = `the api process running it stopped ${job.takeovers} times; start the job again`;
          await this.jobs.finish(job.id, this.lease.owner, 'failed', error);
        } else {
          this.logger.warn(log, 'resuming a recovery job whose runner stopped');
          this.start(job);
        }
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not look for recovery jobs to take over; trying again later');
    } finally {
      this.recovering = false;
    }
  }

  private async run(job: RecoveryJobRow, stop: AbortSignal): Promise<void> {
    const { owner } = this.lease;
    try {
      const ratePerS = await this.ratePerS(job);
      const reason = `held: resubmitted by recovery job ${job.id}; it goes in its subject's order`;
      let position = job.position;
      for (;;) {
        if (stop.aborted) {
          await this.jobs.release(job.id, owner);
          return;
        }
        let counts = await this.jobs.counts(job.id);
        const size = recoveryBatchSize(ratePerS, counts.outstanding, job.matched - position);
        if (size > 0) {
          const items = await this.jobs.nextItems(job.id, position, size);
          await this.store.holdForRecovery(
            job.tenant_id,
            items.map((item) => item.id),
            job.id,
            reason,
          );
          position = items.at(-1)?.position ?? job.matched;
          counts = await this.jobs.counts(job.id);
        }
        // Cancelled, or taken over after a stall: this process stops here.
        if (!(await this.jobs.progress(job.id, this.lease, position, counts))) return;
        if (position >= job.matched && counts.outstanding === 0) {
          await this.jobs.finish(job.id, owner, 'done', null);
          this.logger.info({ recoveryJobId: job.id, ...counts }, 'recovery job done');
          return;
        }
        await sleep(RECOVERY_TICK_MS, stop);
      }
    } catch (error) {
      this.logger.error({ err: error, recoveryJobId: job.id }, 'recovery job failed');
      await this.jobs.finish(job.id, owner, 'failed', (error as Error).message).catch(() => false);
    }
  }

  /** The pace of the job: its connections' `rate_limit_per_s` together (the default for a sequence's URL or email). */
  private async ratePerS(job: RecoveryJobRow): Promise<number> {
    let rate = 0;
    for (const scope of job.scopes) {
      const connection = /^[0-9a-f-]{36}$/.test(scope) ? await this.connections.find(job.tenant_id, scope) : undefined;
      const limit = connection?.policy.rate_limit_per_s;
      rate += typeof limit === 'number' ? limit : DEFAULT_RATE_LIMIT_PER_S;
    }
    return Math.max(1, rate);
  }
}

/** Waits `ms`, or less if stopped meanwhile. */
function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    }
    stop.addEventListener('abort', done, { once: true });
  });
}
