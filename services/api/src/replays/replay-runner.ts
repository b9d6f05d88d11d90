import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { decodeEvent, messageKey, Topic, TopicNames } from '@flowline/contracts';
import { FlowEntity, ReplayRepository, ReplayRow, TagAssignmentEntity } from '@flowline/db';
import { FlowlineProducer, OutgoingMessage } from '@flowline/kafka';
import { evaluateFlow, flowAction, isRunnable, parseFlow, TagIndex } from '@flowline/matching';
import { DATA_SOURCE, KAFKA, LOGGER } from '@flowline/runtime';

/**
 * Replays one flow over a period of the event log (CONTRACT §6): reads `flowline.events` from
 * the first offset at `from` up to the end as it was when the replay started, keeps the records
 * stamped before `to` (and of one event, if asked), evaluates only that flow as it is configured
 * now, and produces its actions. The actions carry the ids a live run gives, so receivers see the
 * same `webhook-id`s. The flow is evaluated even when inactive: replaying is asking for it.
 */
@Injectable()
export class ReplayRunner implements BeforeApplicationShutdown {
  private readonly replays: ReplayRepository;
  private readonly running = new Set<Promise<void>>();

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(FlowlineProducer) private readonly producer: FlowlineProducer,
    @Inject(TopicNames) private readonly topics: TopicNames,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.replays = new ReplayRepository(dataSource);
  }

  /** Starts in the background; progress is in the replay's row. */
  start(replay: ReplayRow, flow: FlowEntity): void {
    const job = this.run(replay, flow)
      .then(() => this.replays.finish(replay.id, 'done', null))
      .catch(async (error: unknown) => {
        this.logger.error({ err: error, replayId: replay.id }, 'replay failed');
        await this.replays.finish(replay.id, 'failed', (error as Error).message).catch(() => undefined);
      })
      .finally(() => this.running.delete(job));
    this.running.add(job);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async run(replay: ReplayRow, row: FlowEntity): Promise<void> {
    const flow = parseFlow(row);
    if (!isRunnable({ ...flow, active: true })) throw new Error('the flow is not complete, so it cannot run');
    const runnable = { ...flow, active: true } as Parameters<typeof flowAction>[0];
    const assignments = await this.dataSource.getRepository(TagAssignmentEntity).findBy({ tenantId: replay.tenant_id });
    const tags = new TagIndex(assignments);
    const topic = this.topics.of(Topic.Events);
    const from = replay.from_time.getTime();
    const to = replay.to_time.getTime();

    const groupId = this.topics.group(`replay-${replay.id}`);
    const admin = this.kafka.admin();
    await admin.connect();
    let remaining: Map<number, number>;
    try {
      const starts = await admin.fetchTopicOffsetsByTimestamp(topic, from);
      const ends = await admin.fetchTopicOffsets(topic);
      // Partitions with records from `from` on, up to their end when the replay started.
      remaining = new Map(
        ends
          .map((end) => [end.partition, Number(end.high)] as const)
          .filter(
            ([partition, high]) => high > Number(starts.find((start) => start.partition === partition)?.offset ?? high),
          ),
      );
      if (remaining.size === 0) return;
      // The group's committed offsets are the replay's position: a rejoin or a restart of the
      // consumer resumes where it was, instead of at the latest offset, where it would never end.
      await admin.setOffsets({
        groupId,
        topic,
        partitions: starts.filter((start) => remaining.has(start.partition)),
      });
    } finally {
      await admin.disconnect();
    }

    let eventsRead = 0;
    let actionsProduced = 0;
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic] });
      await new Promise<void>((resolve, reject) => {
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          if (!payload.restart) reject(payload.error);
        });
        consumer
          .run({
            autoCommit: false,
            eachBatchAutoResolve: false,
            eachBatch: async (payload) => {
              const { batch } = payload;
              const end = remaining.get(batch.partition);
              if (end === undefined) return;
              const out: OutgoingMessage[] = [];
              let lastOffset: string | undefined;
              for (const message of batch.messages) {
                if (Number(message.offset) >= end) break;
                lastOffset = message.offset;
                const stamped = Number(message.timestamp);
                if (stamped < from || stamped >= to) continue;
                const decoded = decodeEvent(message.value);
                // Only this tenant's events count, and are shown in the progress.
                if (!decoded.ok || decoded.value.tenant !== replay.tenant_id) continue;
                eventsRead += 1;
                const event = decoded.value;
                if (replay.event_id !== null && event.id !== replay.event_id) continue;
                if (evaluateFlow(runnable, event, tags) !== undefined) continue;
                out.push({
                  topic: this.topics.of(Topic.Actions),
                  key: messageKey(event.tenant, event.subject),
                  value: flowAction(runnable, event),
                  type: 'action',
                });
              }
              // Resolved and committed only once the actions are in Kafka: a failed batch is read again.
              await this.producer.send(out);
              actionsProduced += out.length;
              if (lastOffset !== undefined) {
                payload.resolveOffset(lastOffset);
                await payload.commitOffsetsIfNecessary({
                  topics: [
                    {
                      topic,
                      partitions: [{ partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() }],
                    },
                  ],
                });
                if (Number(lastOffset) + 1 >= end) remaining.delete(batch.partition);
              }
              await this.replays.progress(replay.id, eventsRead, actionsProduced);
              if (remaining.size === 0) resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await this.replays.progress(replay.id, eventsRead, actionsProduced);
      const cleanup = this.kafka.admin();
      await cleanup.connect();
      await cleanup.deleteGroups([groupId]).catch(() => undefined);
      await cleanup.disconnect();
    }
  }
}
