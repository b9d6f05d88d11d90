import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { FlowlineEnv } from '@flowline/config';
import { TopicNames } from '@flowline/contracts';
import { FlowlineProducer } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import { HealthController } from './health.controller';
import { Infrastructure } from './infrastructure';
import { MetricsController } from './metrics.controller';
import { Readiness } from './readiness';
import { CONFIG, KAFKA, LOGGER } from './tokens';

/** The DataSource class is TypeORM's; services inject it through this token. */
export const DATA_SOURCE = Symbol('FLOWLINE_DATA_SOURCE');

@Global()
@Module({})
export class CoreModule implements OnApplicationShutdown {
  constructor(@Inject(Infrastructure) private readonly infrastructure: Infrastructure) {}

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
      { provide: DATA_SOURCE, useValue: infrastructure.dataSource },
      { provide: TopicNames, useValue: infrastructure.topics },
      { provide: Readiness, useValue: new Readiness(infrastructure.kafka, infrastructure.dataSource) },
    ];
    const exported = providers.map((provider) => provider.provide);
    return {
      module: CoreModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger: infrastructure.logger,
            // Probes and scrapes arrive every few seconds; logging them buries everything else.
            autoLogging: { ignore: (req) => /^\/(metrics|health)/.test(req.url ?? '') },
          },
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers,
      exports: exported,
    };
  }

  /** Runs after every service's `beforeApplicationShutdown` and after the consumers stopped. */
  async onApplicationShutdown(): Promise<void> {
    await this.infrastructure.close();
  }
}
