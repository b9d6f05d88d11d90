import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DeliveryStore } from './delivery-store/delivery-store';
import { PostgresDeliveryStore } from './delivery-store/postgres-delivery-store';
import { SubjectErasureRepository } from './erasure/subject-erasure.repository';
import { ConfigRepository } from './repositories/config.repository';
import { ConnectionGateRepository } from './repositories/connection-gate.repository';
import { ConnectionSecretsRepository } from './repositories/connection-secrets.repository';
import { ConnectionsRepository } from './repositories/connections.repository';
import { ConsoleSessionsRepository } from './repositories/console-sessions.repository';
import { DeliveryLogRepository } from './repositories/delivery-log.repository';
import { FlowsRepository } from './repositories/flows.repository';
import { InsightsRepository } from './repositories/insights.repository';
import { MappingsRepository } from './repositories/mappings.repository';
import { NotificationRepository } from './repositories/notification.repository';
import { ProcessedEventsRepository } from './repositories/processed-events.repository';
import { RecoveryJobRepository } from './repositories/recovery-job.repository';
import { ReplayRepository } from './repositories/replay.repository';
import { RetryQueueRepository } from './repositories/retry-queue.repository';
import { SequenceStateRepository } from './repositories/sequence-state.repository';
import { SequencesRepository } from './repositories/sequences.repository';
import { TagsRepository } from './repositories/tags.repository';
import { TenantsRepository } from './repositories/tenants.repository';
import { ValidationFailureRepository } from './repositories/validation-failure.repository';
import { RetentionRunner } from './retention/run-retention';

/**
 * Every repository a service may inject, each its own token. A repository added to libs/db is
 * added here, or no service can reach it (database.module.spec.ts checks the exports).
 */
export const REPOSITORIES = [
  ConfigRepository,
  ConnectionGateRepository,
  ConnectionSecretsRepository,
  ConnectionsRepository,
  ConsoleSessionsRepository,
  DeliveryLogRepository,
  FlowsRepository,
  InsightsRepository,
  MappingsRepository,
  NotificationRepository,
  ProcessedEventsRepository,
  RecoveryJobRepository,
  ReplayRepository,
  RetentionRunner,
  RetryQueueRepository,
  SequenceStateRepository,
  SequencesRepository,
  SubjectErasureRepository,
  TagsRepository,
  TenantsRepository,
  ValidationFailureRepository,
] as const;

/**
 * The one way to the database (decision 0024): every repository of libs/db, built once from the
 * process's data source, injectable by its class in any module of the process. `DeliveryStore`
 * is the PostgreSQL store (the in-memory twin is for tests, built by hand). Services never see
 * the data source itself.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(dataSource: DataSource): DynamicModule {
    const providers: Provider[] = [
      ...REPOSITORIES.map((repository) => ({ provide: repository, useFactory: () => new repository(dataSource) })),
      { provide: DeliveryStore, useFactory: () => new PostgresDeliveryStore(dataSource) },
    ];
    return {
      module: DatabaseModule,
      global: true,
      providers,
      exports: [...REPOSITORIES, DeliveryStore],
    };
  }
}
