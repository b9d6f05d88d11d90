import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { FlowlineEnv } from '@flowline/config';
import { TopicNames } from '@flowline/contracts';
import { BatchHandler, ConsumerRunner } from '@flowline/kafka';
import type { Kafka } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import { CRASH_HANDLER, KAFKA, LOGGER } from './tokens';
import type { CrashHandler } from './tokens';

/** Builds each service's consumer with the process's client, logger, metrics and crash policy. */
@Injectable()
export class ConsumerFactory {
  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(FlowlineMetrics) private readonly metrics: FlowlineMetrics,
    @Inject(TopicNames) private readonly topics: TopicNames,
    @Inject(CRASH_HANDLER) private readonly onCrash: CrashHandler,
    @Inject(FlowlineEnv) private readonly config: FlowlineEnv,
  ) {}

  create(
    service: string,
    topics: string[],
    handler: BatchHandler,
    options: { partitionsConsumedConcurrently?: number } = {},
  ): ConsumerRunner {
    return new ConsumerRunner({
      kafka: this.kafka,
      groupId: this.topics.group(service),
      topics,
      handler,
      logger: this.logger.child({ service }),
      metrics: this.metrics,
      onCrash: this.onCrash,
      sessionTimeoutMs: this.config.FLOWLINE_KAFKA_SESSION_TIMEOUT_MS,
      ...options,
    });
  }
}
