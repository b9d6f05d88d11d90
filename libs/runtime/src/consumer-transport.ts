import { ArgumentsHost, Catch, INestApplication, RpcExceptionFilter } from '@nestjs/common';
import {
  BaseRpcContext,
  CustomTransportStrategy,
  MessageHandler,
  NestMicroservice,
  Server,
} from '@nestjs/microservices';
import { isObservable, lastValueFrom, Observable, throwError } from 'rxjs';
import type { Logger } from 'pino';
import { RETRY_TIERS, retryTopic, TopicNames } from '@flowline/contracts';
import { BatchContext, ConsumedRecord, ConsumerRunner, PartlyHandled } from '@flowline/kafka';
import type { Kafka } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import type { CrashHandler } from './tokens';

/** This transport's id: `@EventPattern(topic, FLOWLINE_KAFKA, extras)` binds a handler to it alone. */
export const FLOWLINE_KAFKA = Symbol('FLOWLINE_KAFKA');

/**
 * The extras of a consumer's `@EventPattern`: the consumer group the handler belongs to (the
 * service's name; one group per service, so services composed in one process each get every
 * record of their topics).
 */
export interface ConsumerExtras {
  group: string;
}

/** `@EventPattern(Topic.Events, consumerGroup('flow-evaluator'))`. */
export function consumerGroup(service: string): ConsumerExtras {
  return { group: service };
}

/**
 * What a consumer handler gets beside its chunk of records (`@Ctx()`): where they come from and
 * the runner's signals (stop, rebalancing).
 */
export class ChunkContext extends BaseRpcContext<[topic: string, partition: number, batch: BatchContext]> {
  getTopic(): string {
    return this.args[0];
  }

  getPartition(): number {
    return this.args[1];
  }

  /** The signals a use case takes: aborted on stop, and when the partition moved to another member. */
  getBatchContext(): BatchContext {
    return this.args[2];
  }
}

/**
 * Hands a handler's error to the transport as it was thrown (Nest's default RPC filter replaces
 * it with `{status, message}`): kafkajs tells a retriable error from a fatal one by its type.
 */
@Catch()
export class RethrowConsumerErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

export interface ConsumerTransportOptions {
  kafka: Kafka;
  topics: TopicNames;
  logger: Logger;
  metrics: FlowlineMetrics;
  onCrash: CrashHandler;
  sessionTimeoutMs: number;
}

/**
 * Flowline's consumers as a Nest transport (decision 0016). A controller declares
 *
 *     @EventPattern(Topic.Events, consumerGroup('flow-evaluator'))
 *     handle(@Payload() records: ConsumedRecord[], @Ctx() context: ChunkContext)
 *
 * and receives chunks of records of one partition, in offset order, from a `ConsumerRunner` of
 * that group: the runner commits a chunk's offsets only once the handler resolved (its outputs
 * acknowledged), so everything in `libs/kafka/consumer-runner.ts` holds: chunking, a `PartlyHandled`
 * answer pausing the partition, heartbeats during long chunks, graceful stop, crash handling.
 * Patterns are topic names without the prefix (`Topic`, `retryTopic(n)`); one runner per group,
 * subscribed to the topics of all its handlers.
 */
export class ConsumerTransport extends Server implements CustomTransportStrategy {
  override readonly transportId = FLOWLINE_KAFKA;
  /** A handler's failure reaches the runner (and so kafkajs), which retries the chunk. */
  override readonly propagatesEventHandlerErrors = true;
  /** Handlers by group, then by full topic name. */
  private readonly groups = new Map<string, Map<string, MessageHandler>>();
  private runners: ConsumerRunner[] = [];

  constructor(private readonly options: ConsumerTransportOptions) {
    super();
  }

  /** Called by Nest for every `@EventPattern` of every controller of the application. */
  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras?: object): void {
    const group = (extras as Partial<ConsumerExtras> | undefined)?.group;
    if (!isEventHandler || typeof pattern !== 'string' || typeof group !== 'string')
      throw new Error(
        `a Flowline consumer is @EventPattern(topic, consumerGroup(service)); got ${String(pattern)} without a group`,
      );
    const topic = this.options.topics.of(pattern);
    const handlers = this.groups.get(group) ?? new Map<string, MessageHandler>();
    // Nest would chain a second handler of a pattern after the first; a group has one per topic.
    if (handlers.has(topic)) throw new Error(`two handlers of ${pattern} in consumer group ${group}`);
    handlers.set(topic, callback);
    this.groups.set(group, handlers);
  }

  /** Starts one consumer per group (called by `app.startAllMicroservices()`). */
  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const [group, handlers] of this.groups) {
        const runner = new ConsumerRunner({
          kafka: this.options.kafka,
          groupId: this.options.topics.group(group),
          topics: [...handlers.keys()],
          handler: (records, context) => this.handle(handlers, records, context),
          logger: this.options.logger.child({ service: group }),
          metrics: this.options.metrics,
          onCrash: this.options.onCrash,
          sessionTimeoutMs: this.options.sessionTimeoutMs,
          waitingTopics: Array.from({ length: RETRY_TIERS }, (_, index) =>
            this.options.topics.of(retryTopic(index + 1)),
          ),
        });
        this.runners.push(runner);
        await runner.start();
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Each consumer finishes and commits its chunk in flight, then leaves its group. */
  async close(): Promise<void> {
    const runners = this.runners;
    this.runners = [];
    await Promise.all(runners.map((runner) => runner.stop()));
  }

  on(): never {
    throw new Error('the Flowline consumer transport has no events to listen to');
  }

  unwrap<T>(): T {
    return this.runners as T;
  }

  private async handle(
    handlers: Map<string, MessageHandler>,
    records: ConsumedRecord[],
    batch: BatchContext,
  ): Promise<void | PartlyHandled> {
    const { topic, partition } = records[0]!;
    const handler = handlers.get(topic)!;
    const result: unknown = await handler(records, new ChunkContext([topic, partition, batch]));
    // With interceptors (or an error) Nest answers a stream; without, the handler's own answer.
    const answer: unknown = isObservable(result) ? await lastValueFrom(result, { defaultValue: undefined }) : result;
    return answer as void | PartlyHandled;
  }
}

/**
 * Connects the consumer transport to the application; `app.startAllMicroservices()` starts its
 * consumers (after `app.init()`, so configuration catalogs are loaded), `app.close()` stops them
 * after the `beforeApplicationShutdown` hooks and before the `onApplicationShutdown` ones (which
 * close the producer and the pool).
 */
export function connectConsumers(app: INestApplication, options: ConsumerTransportOptions): void {
  const consumers = app.connectMicroservice(
    { strategy: new ConsumerTransport(options) },
    // Handlers are bound when the consumers start, once the filter below is in place; the
    // lifecycle hooks are the application's own, run once by `app.init()`.
    { deferInitialization: true },
  ) as NestMicroservice;
  consumers.useGlobalFilters(new RethrowConsumerErrors());
  consumers.setIsInitHookCalled(true);
}
