import type { Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { TopicNames } from '@flowline/contracts';
import { FlowlineProducer } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import { DATA_SOURCE } from './core.module';
import { Notifier } from './notifier';
import { LOGGER } from './tokens';

/** The process's `Notifier`, for the services that tell of what they did (api, dispatcher). */
export const NOTIFIER_PROVIDER: Provider = {
  provide: Notifier,
  useFactory: (
    dataSource: DataSource,
    producer: FlowlineProducer,
    topics: TopicNames,
    metrics: FlowlineMetrics,
    logger: Logger,
  ) => new Notifier(dataSource, producer, topics, metrics, logger.child({ component: 'notifier' })),
  inject: [DATA_SOURCE, FlowlineProducer, TopicNames, FlowlineMetrics, LOGGER],
};
