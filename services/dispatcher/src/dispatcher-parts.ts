import type { TopicNames } from '@flowline/contracts';
import type { NoticeSink } from '@flowline/runtime';
import type { DeliveryStore } from '@flowline/db';
import { ConnectionAdmitter, ConnectionLimiter } from '@flowline/delivery';
import type { FlowlineMetrics } from '@flowline/observability';
import type { Logger } from 'pino';
import { AttemptEmail, EmailChannel } from './attempt-email';
import { AttemptWebhook, WebhookChannel } from './attempt-webhook';
import type { Clock, RandomSource } from './clock';
import { DeliverWebhooks } from './deliver-webhooks';
import { ConnectionHealthStore, EndpointHealth } from './endpoint-health';
import type { RecordProducer } from './effects';
import { LaneReleaser } from './lane-releaser';
import type { NotificationEndpointLookup } from './notification-endpoints';
import { OutgoingRecords } from './outgoing-records';
import { QueueSweeper } from './queue-sweeper';
import { SettleJob } from './settle-job';
import { SettlementEffects } from './settlement-effects';
import { ConnectionLookup, TargetResolver } from './targets';

/** Everything the dispatcher reaches outside itself: PostgreSQL, Kafka, receivers, time and chance. */
export interface DispatcherPorts {
  store: DeliveryStore;
  producer: RecordProducer;
  connections: ConnectionLookup;
  /** The tenants' notification endpoints (decision 0026). */
  notificationEndpoints: NotificationEndpointLookup;
  /** Where the dispatcher's notices (a connection it paused) go. */
  notices: NoticeSink;
  /** Pauses and failing clocks of connections (PostgreSQL's `ConnectionsRepository`). */
  health: ConnectionHealthStore;
  webhooks: WebhookChannel;
  emails: EmailChannel;
  topics: TopicNames;
  metrics: FlowlineMetrics;
  logger: Logger;
  clock: Clock;
  random: RandomSource;
  /** The operator's FLOWLINE_RETRY_SCHEDULE_S. */
  retryScheduleS: readonly number[];
  /** The operator's FLOWLINE_PAUSE_AFTER_FAILING_S. */
  pauseAfterFailingS: number;
  /** Connections' limits: shared by every dispatcher (PostgreSQL); by default this process's own. */
  limiter?: ConnectionAdmitter;
  /** Held lanes one sweep looks at, at most (`LANES_PER_SWEEP` by default; decision 0042). */
  lanesPerSweep?: number;
}

/** The dispatcher's use case and its housekeeping, sharing one lane releaser. */
export interface DispatcherParts {
  deliver: DeliverWebhooks;
  sweeper: QueueSweeper;
  releaser: LaneReleaser;
}

/**
 * The dispatcher's object graph, in one place: the Nest module builds it from the real ports,
 * the fast tests from in-memory ones (`MemoryDeliveryStore`, a fake clock, scripted receivers).
 */
export function composeDispatcher(ports: DispatcherPorts): DispatcherParts {
  const { store, producer, connections, topics, metrics, logger, clock } = ports;
  const records = new OutgoingRecords(topics, metrics, clock);
  const settlements = new SettlementEffects(records, metrics, logger, clock, ports.random);
  const limiter = ports.limiter ?? new ConnectionLimiter(clock);
  const settle = new SettleJob(
    settlements,
    new AttemptWebhook(
      ports.webhooks,
      limiter,
      settlements,
      new EndpointHealth(ports.health, ports.notices, ports.pauseAfterFailingS, metrics, logger, clock),
      metrics,
      logger,
      clock,
    ),
    new AttemptEmail(ports.emails, settlements, clock),
  );
  const targets = new TargetResolver(connections, ports.notificationEndpoints, ports.emails, ports.retryScheduleS);
  const releaser = new LaneReleaser(store, producer, targets, settle, records, topics, logger, clock);
  return {
    deliver: new DeliverWebhooks(
      store,
      producer,
      targets,
      settle,
      settlements,
      releaser,
      records,
      topics,
      metrics,
      clock,
    ),
    sweeper: new QueueSweeper(
      store,
      producer,
      releaser,
      records,
      connections,
      topics,
      metrics,
      logger,
      ports.lanesPerSweep,
    ),
    releaser,
  };
}
