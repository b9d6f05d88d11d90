import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { FlowlineEnv } from '@flowline/config';
import { TopicNames } from '@flowline/contracts';
import { ConnectionGateRepository, ConnectionsRepository, DeliveryStore } from '@flowline/db';
import { AuthenticatedSender, EmailSender, SharedConnectionLimiter, WebhookSender } from '@flowline/delivery';
import { FlowlineProducer } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import { DELIVERY_SENDER_PROVIDERS, LOGGER, Notifier, NOTIFIER_PROVIDER } from '@flowline/runtime';
import type { Logger } from 'pino';
import { Clock, CLOCK, RANDOM_SOURCE, RandomSource, SYSTEM_CLOCK, SYSTEM_RANDOM } from './clock';
import { AbandonedNotices } from './abandoned-notices';
import { ConnectionCatalog } from './connection-catalog';
import { NotificationEndpointCatalog } from './notification-endpoints';
import { DeliverWebhooks } from './deliver-webhooks';
import { composeDispatcher, DispatcherParts } from './dispatcher-parts';
import { DeliveriesController } from './deliveries.controller';
import { QueueSweeper } from './queue-sweeper';

const DISPATCHER_PARTS = Symbol('DispatcherParts');

@Module({
  controllers: [DeliveriesController],
  providers: [
    { provide: CLOCK, useValue: SYSTEM_CLOCK },
    { provide: RANDOM_SOURCE, useValue: SYSTEM_RANDOM },
    ConnectionCatalog,
    NotificationEndpointCatalog,
    NOTIFIER_PROVIDER,
    AbandonedNotices,
    ...DELIVERY_SENDER_PROVIDERS,
    {
      provide: EmailSender,
      // The SMTP pool is opened by the first email, not here: a dispatcher that sends none never connects.
      useFactory: (config: FlowlineEnv) => new EmailSender({ url: config.SMTP_URL, from: config.FLOWLINE_EMAIL_FROM }),
      inject: [FlowlineEnv],
    },
    {
      provide: DISPATCHER_PARTS,
      useFactory: (
        store: DeliveryStore,
        health: ConnectionsRepository,
        producer: FlowlineProducer,
        connections: ConnectionCatalog,
        webhooks: AuthenticatedSender,
        emails: EmailSender,
        topics: TopicNames,
        metrics: FlowlineMetrics,
        logger: Logger,
        config: FlowlineEnv,
        clock: Clock,
        random: RandomSource,
        notificationEndpoints: NotificationEndpointCatalog,
        notices: Notifier,
        gates: ConnectionGateRepository,
      ): DispatcherParts =>
        composeDispatcher({
          store,
          health,
          producer,
          connections,
          notificationEndpoints,
          notices,
          webhooks,
          emails,
          topics,
          metrics,
          logger,
          clock,
          random,
          retryScheduleS: config.FLOWLINE_RETRY_SCHEDULE_S,
          pauseAfterFailingS: config.FLOWLINE_PAUSE_AFTER_FAILING_S,
          // A connection's limits hold for all dispatcher replicas together (decision 0022).
          limiter: new SharedConnectionLimiter(
            gates,
            () => clock.now(),
            (err) =>
              logger.warn(
                { err },
                "could not tell the connection gate of finished requests: the next statement does, or this process's count lapses after the request timeout",
              ),
          ),
        }),
      inject: [
        DeliveryStore,
        ConnectionsRepository,
        FlowlineProducer,
        ConnectionCatalog,
        AuthenticatedSender,
        EmailSender,
        TopicNames,
        FlowlineMetrics,
        LOGGER,
        FlowlineEnv,
        CLOCK,
        RANDOM_SOURCE,
        NotificationEndpointCatalog,
        Notifier,
        ConnectionGateRepository,
      ],
    },
    { provide: DeliverWebhooks, useFactory: (parts: DispatcherParts) => parts.deliver, inject: [DISPATCHER_PARTS] },
    { provide: QueueSweeper, useFactory: (parts: DispatcherParts) => parts.sweeper, inject: [DISPATCHER_PARTS] },
  ],
})
export class DispatcherModule implements OnApplicationShutdown {
  constructor(
    @Inject(WebhookSender) private readonly sender: WebhookSender,
    @Inject(EmailSender) private readonly emailSender: EmailSender,
  ) {}

  /** After the consumer stopped: no request or email is in flight any more. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.sender.close(), this.emailSender.close()]);
  }
}
