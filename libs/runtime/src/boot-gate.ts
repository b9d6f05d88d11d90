import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createKafka, KafkaLogLevel } from '@flowline/kafka';
import { FlowlineMetrics } from '@flowline/observability';
import { classifyConnectionFailure, ConnectionFailure, Dependency } from './connection-failure';
import { Infrastructure } from './infrastructure';
import type { Probe } from './readiness';

/** Raised when a stop signal came while the process was still waiting for its dependencies. */
export class BootAbortedError extends Error {
  constructor() {
    super('stopped before Kafka and PostgreSQL could be opened');
    this.name = 'BootAbortedError';
  }
}

/**
 * What answers HTTP while the process waits for Kafka and PostgreSQL at boot: live, not ready
 * (with the cause), and the metrics. The orchestrator sees an unready pod with a reason instead
 * of a container that exits and is restarted over and over.
 */
export class BootHealthServer {
  private readonly server: Server;
  private closed: Promise<void> | undefined;
  private status: { kafka: Probe; postgres: Probe } = {
    kafka: { up: false, detail: 'connecting' },
    postgres: { up: false, detail: 'connecting' },
  };

  constructor(metrics: FlowlineMetrics) {
    this.server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      const answer = (status: number, body: unknown, type = 'application/json') => {
        response.writeHead(status, { 'content-type': type, connection: 'close' });
        response.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (path === '/health/live') return answer(200, { status: 'ok' });
      if (path === '/health/ready') return answer(503, { ready: false, ...this.status });
      if (path === '/metrics') {
        void metrics.registry.metrics().then(
          (text) => answer(200, text, 'text/plain; version=0.0.4; charset=utf-8'),
          () => answer(500, { error: 'metrics unavailable' }),
        );
        return;
      }
      answer(503, { error: 'starting: waiting for Kafka and PostgreSQL' });
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  report(dependency: Dependency, probe: Probe): void {
    this.status = { ...this.status, [dependency]: probe };
  }

  /** Frees the port for the application (connections are not kept: probes reconnect). Idempotent. */
  close(): Promise<void> {
    this.closed ??= new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closed;
  }
}

export interface BootGateOptions {
  migrate: boolean;
  createTopics: boolean;
  health?: BootHealthServer;
  signal?: AbortSignal;
  /** First wait between attempts; doubles up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Opens the process's infrastructure, waiting for as long as it takes: PostgreSQL first
 * (migrations), then Kafka (topics, producer). A failed attempt is logged as one line naming the
 * dependency and the cause (a wrong password, an untrusted certificate, an unreachable broker),
 * once per change of cause, not per attempt; attempts back off to `maxDelayMs`. Kafka is first
 * probed with a client that logs nothing, so kafkajs's own lines for each failed connection do
 * not bury that one line.
 */
export async function openWhenReachable(
  infrastructure: Infrastructure,
  logger: Logger,
  options: BootGateOptions,
): Promise<void> {
  const quietKafka = createKafka({
    brokers: infrastructure.config.KAFKA_BROKERS,
    clientId: infrastructure.config.KAFKA_CLIENT_ID,
    logger,
    security: infrastructure.kafkaSecurity,
    logLevel: KafkaLogLevel.NOTHING,
    retry: { retries: 0 },
  });
  const probeKafka = async () => {
    const admin = quietKafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      await admin.describeCluster();
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
  const steps: Array<{ dependency: Dependency; open: () => Promise<void> }> = [
    { dependency: 'postgres', open: () => infrastructure.openDatabase({ migrate: options.migrate }) },
    {
      dependency: 'kafka',
      open: async () => {
        await probeKafka();
        await infrastructure.openKafka({ createTopics: options.createTopics });
      },
    },
  ];

  const initialDelay = options.initialDelayMs ?? 1000;
  let delay = initialDelay;
  let reported: ConnectionFailure | undefined;
  let attempt = 0;
  for (const step of steps) {
    for (;;) {
      if (options.signal?.aborted) throw new BootAbortedError();
      attempt += 1;
      try {
        await step.open();
        options.health?.report(step.dependency, { up: true, detail: 'ok' });
        if (reported?.dependency === step.dependency) {
          logger.info({ dependency: step.dependency, attempt }, `${step.dependency} reachable`);
          reported = undefined;
        }
        delay = initialDelay;
        break;
      } catch (error) {
        const failure = classifyConnectionFailure(step.dependency, error);
        options.health?.report(step.dependency, { up: false, detail: failure.cause });
        const line = {
          dependency: failure.dependency,
          kind: failure.kind,
          cause: failure.cause,
          attempt,
          retry_in_ms: delay,
        };
        const message = `cannot open ${failure.dependency}: not ready, retrying`;
        if (reported?.cause !== failure.cause) logger.error(line, message);
        else logger.debug(line, message);
        reported = failure;
        await sleep(delay, options.signal);
        delay = Math.min(delay * 2, options.maxDelayMs ?? 30_000);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
