import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { FlowlineEnv } from '@flowline/config';
import { TopicNames } from '@flowline/contracts';
import { FlowlineProducer } from '@flowline/kafka';
import { FlowlineMetrics, serializeError, serializeRequest } from '@flowline/observability';
import { ConfigChangeListener, ConfigRepository, DatabaseModule } from '@flowline/db';
import { ConfigSnapshot } from './config-snapshot';
import { HealthController } from './health.controller';
import { Infrastructure } from './infrastructure';
import { MetricsController } from './metrics.controller';
import { Readiness } from './readiness';
import { ErrorAnswersFilter } from './error-answers.filter';
import { CONFIG, KAFKA, LOGGER } from './tokens';

@Global()
@Module({})
export class CoreModule implements OnApplicationShutdown {
  constructor(
    @Inject(Infrastructure) private readonly infrastructure: Infrastructure,
    @Inject(ConfigSnapshot) private readonly configSnapshot: ConfigSnapshot,
  ) {}

  /** Shares the opened infrastructure with every service module of the process. */
  static forRoot(infrastructure: Infrastructure): DynamicModule {
    const providers = [
      { provide: Infrastructure, useValue: infrastructure },
      { provide: CONFIG, useValue: infrastructure.config },
      { provide: FlowlineEnv, useValue: infrastructure.config },
      { provide: LOGGER, useValue: infrastructure.logger },
      { provide: FlowlineMetrics, useValue: infrastructure.metrics },
      { provide: KAFKA, useValue: infrastructure.kafka },
      { provide: FlowlineProducer, useValue: infrastructure.producer },
      { provide: TopicNames, useValue: infrastructure.topics },
      { provide: Readiness, useValue: new Readiness(infrastructure.kafka, infrastructure.dataSource) },
      {
        provide: ConfigSnapshot,
        useFactory: (configs: ConfigRepository) => configSnapshotOf(infrastructure, configs),
        inject: [ConfigRepository],
      },
    ];
    const exported = providers.map((provider) => provider.provide);
    return {
      module: CoreModule,
      imports: [
        // The one way to the database (decision 0024): every repository, injectable by its class;
        // the data source itself is given to no service.
        DatabaseModule.forRoot(infrastructure.dataSource),
        LoggerModule.forRoot({
          pinoHttp: {
            logger: infrastructure.logger,
            // pino-http puts its own serializers in place of the logger's: Flowline's keep a
            // database error's values and a request's query string and headers out of the log.
            serializers: { err: serializeError, req: serializeRequest },
            // Probes and scrapes arrive every few seconds; logging them buries everything else.
            autoLogging: { ignore: (req) => /^\/(metrics|health)/.test(req.url ?? '') },
          },
        }),
      ],
      controllers: [HealthController, MetricsController],
      // Every failed request of every service is answered (and logged) by one filter.
      providers: [...providers, { provide: APP_FILTER, useClass: ErrorAnswersFilter }],
      exports: exported,
    };
  }

  /** Runs after every service's `beforeApplicationShutdown` and after the consumers stopped. */
  async onApplicationShutdown(): Promise<void> {
    await this.configSnapshot.stop();
    await this.infrastructure.close();
  }
}

/**
 * The process's one configuration snapshot, shared by every catalog of every service it runs. It
 * loads nothing until a catalog starts it: a process without catalogs (the api alone) never does.
 */
function configSnapshotOf(infrastructure: Infrastructure, configs: ConfigRepository): ConfigSnapshot {
  const { config, logger, metrics } = infrastructure;
  const snapshotLogger = logger.child({ component: 'config-snapshot' });
  return new ConfigSnapshot(configs, {
    refreshMs: config.FLOWLINE_CONFIG_REFRESH_MS,
    logger: snapshotLogger,
    feed: (handlers) => new ConfigChangeListener(config.DATABASE_URL, handlers, snapshotLogger),
    countReloads: (cause, tenants) => metrics.configReloads.labels(cause).inc(tenants),
  });
}
