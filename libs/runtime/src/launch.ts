import 'reflect-metadata';
import {
  DynamicModule,
  INestApplication,
  MiddlewareConsumer,
  Module,
  NestModule,
  RequestMethod,
  Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import pino from 'pino';
import {
  ConfigValidationError,
  DEFAULT_PORTS,
  describeConfig,
  FlowlineConfig,
  loadConfig,
  ServiceName,
} from '@flowline/config';
import { createLogger, FlowlineMetrics } from '@flowline/observability';
import { BootAbortedError, BootHealthServer, openWhenReachable } from './boot-gate';
import { answerClientErrors } from './client-errors';
import { connectConsumers } from './consumer-transport';
import { CoreModule } from './core.module';
import { Infrastructure } from './infrastructure';
import { BodyLimit, jsonBodyParser, MAX_REQUEST_JSON_DEPTH } from './json-body-parser';
import { CrashHandler } from './tokens';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface LaunchOptions {
  /** The services composed into this process (for logs and the default port). */
  names: ServiceName[];
  /** One Nest module per service. */
  modules: Array<Type<unknown> | DynamicModule>;
  /** HTTP port for /metrics, /health and the REST API; else PORT, else the service's own default. */
  port?: number;
  /** Environment to read instead of the process's own (tests run several clusters in one process). */
  env?: NodeJS.ProcessEnv;
  /** Defaults to exiting the process with code 1, so the orchestrator restarts it. */
  onCrash?: CrashHandler;
  /** Handle SIGTERM/SIGINT: stop consuming, finish in flight, commit, exit. */
  handleSignals?: boolean;
}

export interface LaunchedServices {
  app: INestApplication;
  config: FlowlineConfig;
  metrics: FlowlineMetrics;
  url: string;
  close(): Promise<void>;
}

/**
 * Boots the given services in one Nest application: validated configuration, shared
 * infrastructure (migrations and topics first), the service modules, then HTTP.
 */
export async function launch(options: LaunchOptions): Promise<LaunchedServices> {
  const config = loadConfig(options.env);
  const destination = config.LOG_FILE
    ? pino.destination({ dest: config.LOG_FILE, append: true, mkdir: true })
    : undefined;
  const logger = createLogger(config.LOG_LEVEL, destination).child({ services: options.names.join(',') });
  logger.info({ config: describeConfig(config) }, 'starting');
  const metrics = new FlowlineMetrics();
  const port =
    options.port ?? config.PORT ?? (options.names.length === 1 ? DEFAULT_PORTS[options.names[0]!] : DEFAULT_PORTS.api);
  const infrastructure = new Infrastructure(config, logger, metrics);
  // Until Kafka and PostgreSQL are open, a placeholder answers: live, not ready, and why.
  const health = new BootHealthServer(metrics);
  const stopping = new AbortController();
  const stop = () => stopping.abort();
  if (options.handleSignals ?? true) for (const signal of SIGNALS) process.once(signal, stop);
  try {
    await health.listen(port, config.FLOWLINE_HTTP_HOST);
    await openWhenReachable(infrastructure, logger, {
      migrate: config.FLOWLINE_MIGRATE_ON_START,
      createTopics: config.FLOWLINE_CREATE_TOPICS,
      health,
      signal: stopping.signal,
    });
  } catch (error) {
    await health.close();
    await infrastructure.close().catch(() => undefined);
    throw error;
  } finally {
    for (const signal of SIGNALS) process.off(signal, stop);
  }

  const onCrash =
    options.onCrash ??
    ((error: Error) => {
      logger.fatal({ err: error }, 'kafka consumer crashed beyond recovery; exiting so the process is restarted');
      process.exit(1);
    });

  @Module({ imports: [CoreModule.forRoot(infrastructure), ...options.modules] })
  class FlowlineProcessModule implements NestModule {
    /**
     * Bodies are parsed by Flowline's parser (Express's own is off), mounted on the root module:
     * Nest mounts it after the global modules' middleware, so the request logger sees (and
     * logs) the requests it refuses.
     */
    configure(consumer: MiddlewareConsumer): void {
      consumer
        .apply(
          jsonBodyParser({
            maxDepth: MAX_REQUEST_JSON_DEPTH,
            // Express's originalUrl: a mounted middleware's `url` is relative to where it is mounted.
            limitFor: (request) =>
              requestBodyLimit(
                config,
                request.method,
                (request as { originalUrl?: string }).originalUrl ?? request.url,
              ),
          }),
        )
        .forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
    }
  }

  let app: INestApplication | undefined;
  try {
    // Express's own body parsers (100 KB, any depth, form bodies) give way to Flowline's.
    app = await NestFactory.create(FlowlineProcessModule, { bufferLogs: true, bodyParser: false });
    app.useLogger(app.get(NestPinoLogger));
    answerClientErrors(app.getHttpServer() as import('node:http').Server);
    // A service module may shape the application it runs in (the api adds its OpenAPI pages).
    for (const module of options.modules) {
      const configure = (module as { configure?: (app: INestApplication) => void }).configure;
      if (typeof configure === 'function') configure(app);
    }
    if (options.handleSignals ?? true) app.enableShutdownHooks([...SIGNALS]);
    // The services' consumers: controllers' @EventPattern handlers, run by the consumer runner.
    connectConsumers(app, {
      kafka: infrastructure.kafka,
      topics: infrastructure.topics,
      logger,
      metrics,
      onCrash,
      sessionTimeoutMs: config.FLOWLINE_KAFKA_SESSION_TIMEOUT_MS,
    });
    // Modules first (configuration catalogs loaded, housekeeping started), then consumers, then
    // HTTP; the placeholder answers until the app can.
    await app.init();
    await app.startAllMicroservices();
    await health.close();
    await app.listen(port, config.FLOWLINE_HTTP_HOST);
  } catch (error) {
    await health.close();
    // Consumers may have started: closing the app stops them, then the infrastructure.
    if (app) await app.close().catch(() => undefined);
    else await infrastructure.close().catch(() => undefined);
    throw error;
  }
  const address = (app.getHttpServer() as import('node:http').Server).address() as { port: number };
  const url = `http://${reachableHost(config.FLOWLINE_HTTP_HOST)}:${address.port}`;
  logger.info({ url }, 'started');
  return { app, config, metrics, url, close: () => app.close() };
}

/**
 * `POST /events` takes batches of events (docs/CONTRACT.md §2: up to 500), so its bodies may be larger
 * than the control plane's; both are bounded (decision 0011).
 */
function requestBodyLimit(config: FlowlineConfig, method: string | undefined, url: string | undefined): BodyLimit {
  if (method === 'POST' && /^\/events\/?(?:\?|$)/.test(url ?? '')) {
    return {
      bytes: config.FLOWLINE_MAX_EVENTS_REQUEST_BYTES,
      setting: 'FLOWLINE_MAX_EVENTS_REQUEST_BYTES',
      advice: 'send fewer events per request',
    };
  }
  return { bytes: config.FLOWLINE_MAX_REQUEST_BYTES, setting: 'FLOWLINE_MAX_REQUEST_BYTES' };
}

/** Where this process's own HTTP server can be reached from the machine, given the address it binds. */
function reachableHost(bindHost: string): string {
  if (bindHost === '0.0.0.0' || bindHost === '::') return '127.0.0.1';
  return bindHost.includes(':') ? `[${bindHost}]` : bindHost;
}

/** Entry point of a service process: launch, or explain why not and exit non-zero. */
export async function runServices(options: Pick<LaunchOptions, 'names' | 'modules'>): Promise<void> {
  try {
    await launch(options);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
    } else if (error instanceof BootAbortedError) {
      // Stopped while waiting for Kafka or PostgreSQL: nothing was consumed, a clean exit.
      process.exit(0);
    } else {
      createLogger('error').fatal({ err: error }, 'failed to start');
    }
    process.exit(1);
  }
}
