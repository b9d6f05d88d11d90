import { randomUUID } from 'node:crypto';
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

    const admin = this.kafka.admin();
    await admin.connect();
    const starts = await admin.fetchTopicOffsetsByTimestamp(topic, from);
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const remaining = new Map(
      ends
        .map((end) => [end.partition, Number(end.high)] as const)
        .filter(
          ([partition, high]) => high > Number(starts.find((start) => start.partition === partition)?.offset ?? high),
        ),
    );
    if (remaining.size === 0) return;

    let eventsRead = 0;
    let actionsProduced = 0;
    const consumer = this.kafka.consumer({
      groupId: this.topics.group(`replay-${randomUUID()}`),
      maxWaitTimeInMs: 500,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    try {
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            eachBatch: async (payload) => {
              const { batch } = payload;
              const end = remaining.get(batch.partition);
              if (end === undefined) return;
              const out: OutgoingMessage[] = [];
              for (const message of batch.messages) {
                if (Number(message.offset) >= end) break;
                payload.resolveOffset(message.offset);
                const stamped = Number(message.timestamp);
                if (stamped < from || stamped >= to) continue;
                const decoded = decodeEvent(message.value);
                if (!decoded.ok) continue;
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
              await this.producer.send(out);
              actionsProduced += out.length;
              const last = batch.messages[batch.messages.length - 1];
              if (last && Number(last.offset) + 1 >= end) remaining.delete(batch.partition);
              await this.replays.progress(replay.id, eventsRead, actionsProduced);
              if (remaining.size === 0) resolve();
            },
          })
          .catch(reject);
        for (const start of starts) {
          if (remaining.has(start.partition))
            consumer.seek({ topic, partition: start.partition, offset: start.offset });
        }
      });
    } finally {
      await consumer.disconnect();
      await this.replays.progress(replay.id, eventsRead, actionsProduced);
    }
  }
}
