import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { FlowlineEnv } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { FlowEntity, FlowsRepository, ReplayLease, ReplayRepository, ReplayRow, TagsRepository } from '@flowline/db';
import { ConsumerRunner, deleteConsumerGroup, FlowlineProducer, planBoundedRead } from '@flowline/kafka';
import type { Kafka } from '@flowline/kafka';
import { isRunnable, parseFlow, TagIndex } from '@flowline/matching';
import { FlowlineMetrics } from '@flowline/observability';
import { KAFKA, LOGGER, Notifier } from '@flowline/runtime';
import { replayChunk } from './replay-chunk';

/**
 * Runners of one replay that may die before another api process gives up on it: a replay that
 * keeps killing its process (it cannot, by design, but a bug might) is failed rather than resumed
 * forever.
 */
const MAX_TAKEOVERS = 3;

/** How a replay's run ended in this process. */
type RunOutcome = 'done' | 'stopped' | 'lease-lost';

interface RunningReplay {
  /** Aborted at shutdown: the run commits its chunk in flight and gives the lease up. */
  stop: AbortController;
  finished: Promise<void>;
}

/**
 * Replays one flow over a period of the event log (docs/CONTRACT.md §6): reads `flowline.events` with a
 * consumer group of its own, from the first offset at `from` up to the end as it was when the
 * replay started (a bounded read of the `ConsumerRunner`), keeps the records stamped before `to`
 * (and of one event, if asked), evaluates only that flow as it is configured now, and produces
 * its actions. The actions carry the ids a live run gives, so receivers see the same
 * `webhook-id`s. The flow is evaluated even when inactive: replaying is asking for it.
 *
 * Each replay runs under a lease (decision 0015): this process renews it while the replay runs,
 * gives it up at a graceful stop, and takes over, on start and periodically, every running replay
 * whose lease ran out, resuming it from its group's committed position.
 */
@Injectable()
export class ReplayRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** This process as a lease owner. */
  readonly lease: ReplayLease;
  private readonly running = new Map<string, RunningReplay>();
  private recovery: NodeJS.Timeout | undefined;
  private recovering = false;
  private stopping = false;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(FlowlineProducer) private readonly producer: FlowlineProducer,
    @Inject(TopicNames) private readonly topics: TopicNames,
    @Inject(ReplayRepository) private readonly replays: ReplayRepository,
    @Inject(FlowsRepository) private readonly flows: FlowsRepository,
    @Inject(TagsRepository) private readonly tags: TagsRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(FlowlineMetrics) private readonly metrics: FlowlineMetrics,
    @Inject(FlowlineEnv) private readonly config: FlowlineEnv,
    @Inject(Notifier) private readonly notifier: Notifier,
  ) {
    this.lease = { owner: `${hostname()}/${process.pid}/${randomUUID()}`, ms: config.FLOWLINE_REPLAY_LEASE_MS };
  }

  onApplicationBootstrap(): void {
    void this.takeOverExpired();
    this.recovery = setInterval(() => void this.takeOverExpired(), this.lease.ms / 2);
  }

  /** Stops every replay of this process after its chunk in flight, and gives their leases up. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.recovery);
    for (const replay of this.running.values()) replay.stop.abort();
    await Promise.allSettled([...this.running.values()].map((replay) => replay.finished));
  }

  /** Starts a replay just created with this process's lease; progress is in its row. */
  start(replay: ReplayRow, flow: FlowEntity): void {
    this.launch(replay, flow);
  }

  /** Resumes the running replays whose runner died (or was stopped), or fails them. */
  private async takeOverExpired(): Promise<void> {
    if (this.recovering || this.stopping) return;
    this.recovering = true;
    try {
      const taken = await this.replays.takeOverExpired(this.lease, [...this.running.keys()]);
      for (const replay of taken) {
        const log = { replayId: replay.id, tenant: replay.tenant_id, takeovers: replay.takeovers };
        if (this.stopping) {
          await this.replays.release(replay.id, this.lease.owner);
        } else if (replay.takeovers > MAX_TAKEOVERS) {
          this.logger.error(log, 'replay failed: its runner died too often');
          const error = `the api process running it stopped ${replay.takeovers} times; start the replay again`;
          if (await this.replays.finish(replay.id, this.lease.owner, 'failed', error))
            await this.notifyFinished(replay.id, replay.tenant_id, error);
          await this.forgetGroup(replay.id);
        } else {
          this.logger.warn(log, 'resuming a replay whose runner stopped');
          this.launch(replay, undefined);
        }
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not look for replays to take over; trying again later');
    } finally {
      this.recovering = false;
    }
  }

  private launch(replay: ReplayRow, flow: FlowEntity | undefined): void {
    const stop = new AbortController();
    const finished = this.run(replay, flow, stop.signal).finally(() => this.running.delete(replay.id));
    this.running.set(replay.id, { stop, finished });
  }

  /** Runs the replay with its lease renewed, and records how it ended. */
  private async run(replay: ReplayRow, flow: FlowEntity | undefined, stop: AbortSignal): Promise<void> {
    const { owner } = this.lease;
    const leaseLost = new AbortController();
    const renewal = setInterval(() => {
      this.replays.renew(replay.id, this.lease).then(
        (held) => {
          if (!held) leaseLost.abort();
        },
        (error: unknown) => this.logger.warn({ err: error, replayId: replay.id }, 'could not renew a replay lease'),
      );
    }, this.lease.ms / 3);
    try {
      const outcome = await this.readPeriod(replay, flow, stop, leaseLost);
      if (outcome === 'done' && (await this.replays.finish(replay.id, owner, 'done', null))) {
        await this.notifyFinished(replay.id, replay.tenant_id, null);
        await this.forgetGroup(replay.id);
      } else if (outcome === 'stopped') {
        await this.replays.release(replay.id, owner);
      } else if (outcome === 'lease-lost') {
        this.logger.warn({ replayId: replay.id }, 'replay lease lost: another api process runs it now');
      }
    } catch (error) {
      this.logger.error({ err: error, replayId: replay.id }, 'replay failed');
      const failed = await this.replays.finish(replay.id, owner, 'failed', (error as Error).message).catch(() => false);
      if (failed) {
        await this.notifyFinished(replay.id, replay.tenant_id, (error as Error).message);
        await this.forgetGroup(replay.id);
      }
    } finally {
      clearInterval(renewal);
    }
  }

  /** Reads the event log up to the replay's ends, unless stopped or the lease is lost first. */
  private async readPeriod(
    replay: ReplayRow,
    row: FlowEntity | undefined,
    stop: AbortSignal,
    leaseLost: AbortController,
  ): Promise<RunOutcome> {
    const { owner } = this.lease;
    row ??= await this.flows.find(replay.tenant_id, replay.flow_id);
    if (!row) throw new Error('the flow no longer exists');
    const flow = { ...parseFlow(row), active: true };
    if (!isRunnable(flow)) throw new Error('the flow is not complete, so it cannot run');
    const tags = new TagIndex(await this.tags.assignments(replay.tenant_id));
    const scope = {
      tenant: replay.tenant_id,
      from: replay.from_time.getTime(),
      to: replay.to_time.getTime(),
      eventId: replay.event_id,
    };
    const topic = this.topics.of(Topic.Events);
    const actionsTopic = this.topics.of(Topic.Actions);

    const groupId = this.groupOf(replay.id);
    const bounds = await planBoundedRead(this.kafka, {
      groupId,
      topic,
      fromTimestamp: scope.from,
      ends: replay.end_offsets ?? undefined,
    });
    if (replay.end_offsets === null && !(await this.replays.recordEnds(replay.id, owner, bounds.ends)))
      return 'lease-lost';

    // Counted on from where the last runner stopped (a chunk it did not commit is counted again).
    let eventsRead = replay.events_read;
    let actionsProduced = replay.actions_produced;
    let crashed: (error: Error) => void = () => undefined;
    const crash = new Promise<never>((_, reject) => (crashed = reject));
    crash.catch(() => undefined);
    const runner = new ConsumerRunner({
      kafka: this.kafka,
      groupId,
      topics: [topic],
      bounds,
      metricsGroup: this.topics.group('replays'),
      logger: this.logger.child({ replayId: replay.id }),
      metrics: this.metrics,
      // A replay's consumer that cannot go on fails the replay, not the api.
      onCrash: (error) => crashed(error),
      // Background work: one partition at a time leaves the producer to the api's own requests.
      partitionsConsumedConcurrently: 1,
      sessionTimeoutMs: this.config.FLOWLINE_KAFKA_SESSION_TIMEOUT_MS,
      // Resolved (and committed by the runner) only once the actions are in Kafka.
      handler: async (records) => {
        const chunk = replayChunk(records, scope, flow, tags, actionsTopic);
        await this.producer.send(chunk.actions);
        eventsRead += chunk.eventsRead;
        actionsProduced += chunk.actions.length;
        if (!(await this.replays.progress(replay.id, owner, eventsRead, actionsProduced))) leaseLost.abort();
      },
    });
    const interrupted = Promise.race([
      once(stop).then((): RunOutcome => 'stopped'),
      once(leaseLost.signal).then((): RunOutcome => 'lease-lost'),
    ]);
    try {
      await runner.start();
      return await Promise.race([runner.reachedEnd.then((): RunOutcome => 'done'), crash, interrupted]);
    } finally {
      await runner.stop();
    }
  }

  /** `replay.finished` to the tenant's notification endpoints (decision 0026), with the replay as it ended. */
  private async notifyFinished(replayId: string, tenant: string, error: string | null): Promise<void> {
    const replay = await this.replays.find(tenant, replayId).catch(() => undefined);
    await this.notifier.notify({
      type: 'replay.finished',
      tenant,
      at: Date.now(),
      data: {
        replay_id: replayId,
        flow_id: replay?.flow_id ?? null,
        status: error === null ? 'done' : 'failed',
        events_read: replay?.events_read ?? null,
        actions_produced: replay?.actions_produced ?? null,
        error,
      },
    });
  }

  private groupOf(replayId: string): string {
    return this.topics.group(`replay-${replayId}`);
  }

  /** A finished replay's group and positions are of no further use. */
  private async forgetGroup(replayId: string): Promise<void> {
    await deleteConsumerGroup(this.kafka, this.groupOf(replayId)).catch((error: unknown) =>
      this.logger.warn({ err: error, replayId }, 'could not delete a finished replay’s consumer group'),
    );
  }
}

function once(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
