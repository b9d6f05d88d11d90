import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, KafkaConfig, logLevel, LogEntry, SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { FlowlineConfig } from '@flowline/config';
import { OAuthTokenSource } from './oauth-token-source';
// Applied wherever a kafkajs client is built: consumers find a moved group coordinator (decision
// 0034); records are encoded without a zero-filled buffer each (decision 0035).
import './kafkajs-coordinator-patch';
import './kafkajs-encoder-patch';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** How the client reaches the brokers: TLS and SASL, as kafkajs takes them. */
export interface KafkaSecurity {
  ssl?: ConnectionOptions | false;
  sasl?: SASLOptions;
}

/**
 * The TLS and SASL options of the validated configuration (files were checked at boot; they are
 * read here, once). OAUTHBEARER tokens come from an `OAuthTokenSource` that renews them before
 * they expire.
 */
export function kafkaSecurity(
  config: FlowlineConfig,
  options: { logger?: Logger; readFile?: (path: string) => string } = {},
): KafkaSecurity {
  const read = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const ssl: ConnectionOptions | false = config.KAFKA_SSL
    ? {
        rejectUnauthorized: config.KAFKA_SSL_REJECT_UNAUTHORIZED,
        ...(config.KAFKA_SSL_CA_FILE ? { ca: read(config.KAFKA_SSL_CA_FILE) } : {}),
        ...(config.KAFKA_SSL_CERT_FILE ? { cert: read(config.KAFKA_SSL_CERT_FILE) } : {}),
        ...(config.KAFKA_SSL_KEY_FILE ? { key: read(config.KAFKA_SSL_KEY_FILE) } : {}),
      }
    : false;
  return { ssl, sasl: saslOptions(config, options.logger) };
}

function saslOptions(config: FlowlineConfig, logger: Logger | undefined): SASLOptions | undefined {
  const mechanism = config.KAFKA_SASL_MECHANISM;
  switch (mechanism) {
    case undefined:
      return undefined;
    case 'plain':
    case 'scram-sha-256':
    case 'scram-sha-512':
      return { mechanism, username: config.KAFKA_SASL_USERNAME ?? '', password: config.KAFKA_SASL_PASSWORD ?? '' };
    case 'oauthbearer': {
      const source = new OAuthTokenSource(
        {
          tokenUrl: config.KAFKA_SASL_OAUTH_TOKEN_URL ?? '',
          clientId: config.KAFKA_SASL_OAUTH_CLIENT_ID ?? '',
          clientSecret: config.KAFKA_SASL_OAUTH_CLIENT_SECRET ?? '',
          scope: config.KAFKA_SASL_OAUTH_SCOPE,
        },
        {
          onRefreshFailed: (error) =>
            logger?.warn(
              { cause: error.message },
              'OAuth token refresh failed; the current token is used until it expires',
            ),
        },
      );
      return { mechanism, oauthBearerProvider: source.provider };
    }
    default:
      return assertUnreachable(mechanism);
  }
}

function assertUnreachable(value: never): never {
  throw new Error(`unknown SASL mechanism ${String(value)}`);
}

/**
 * Answers kafkajs logs as errors that are expected while topics are being provisioned: a
 * CreateTopics answer with errors (kafkajs logs only "Topic creation errors"; "already exists"
 * when two services create the same topic at once, and `createTopics` then answers false, while
 * any other error is thrown to the provisioner, which fails and says why), and a partition
 * without a leader yet, or a topic not yet in a broker's metadata, just after creation (retried).
 */
const EXPECTED_RESPONSE_ERRORS: Array<{ request: string; error: RegExp }> = [
  { request: 'Response CreateTopics', error: /already exists|Topic creation errors/i },
  { request: 'Response Metadata', error: /no leader for this topic-partition|does not host this topic-partition/i },
];

/** The level a kafkajs log line is written at: expected answers (above) are debug, not errors. */
export function kafkaLogLevel(entry: {
  level: number;
  message: string;
  error?: unknown;
}): 'error' | 'warn' | 'info' | 'debug' {
  const { message, error } = entry;
  if (
    typeof error === 'string' &&
    EXPECTED_RESPONSE_ERRORS.some((expected) => message.startsWith(expected.request) && expected.error.test(error))
  )
    return 'debug';
  return LEVELS[entry.level] ?? 'info';
}

/** The one place a kafkajs client is built: its logs go to the process's structured logger. */
export function createKafka(options: {
  brokers: string[];
  clientId: string;
  logger: Logger;
  security?: KafkaSecurity;
  /** kafkajs's own log level; WARN by default (it logs every rebalance step at INFO). */
  logLevel?: logLevel;
  retry?: KafkaConfig['retry'];
}): Kafka {
  const kafkaLogger = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ...(options.security?.ssl ? { ssl: options.security.ssl } : {}),
    ...(options.security?.sasl ? { sasl: options.security.sasl } : {}),
    logLevel: options.logLevel ?? logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        kafkaLogger[kafkaLogLevel({ level, message, error: rest.error })](
          { ...rest, namespace: rest.namespace },
          message,
        );
      },
    retry: options.retry ?? { initialRetryTime: 200, retries: 8 },
  });
}
