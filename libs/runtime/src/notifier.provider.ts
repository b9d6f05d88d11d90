import type { Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { TopicNames } from '@flowline/contracts';
import { NotificationRepository } from '@flowline/db';
import { FlowlineProducer } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import { Notifier } from './notifier';
import { LOGGER } from './tokens';

/** The process's `Notifier`, for the services that tell of what they did (api, dispatcher). */
export const NOTIFIER_PROVIDER: Provider = {
  provide: Notifier,
  useFactory: (
    repository: NotificationRepository,
    producer: FlowlineProducer,
    topics: TopicNames,
    metrics: FlowlineMetrics,
    logger: Logger,
  ) => new Notifier(repository, producer, topics, metrics, logger.child({ component: 'notifier' })),
  inject: [NotificationRepository, FlowlineProducer, TopicNames, FlowlineMetrics, LOGGER],
};
