import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import { connectionProblems, readableFile } from './connection-problems';
import { KAFKA_SASL_MECHANISMS, type KafkaSaslMechanism } from './kafka-sasl-mechanism';
import {
  IsBoolean,
  IsIn,
  IsIP,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  validateSync,
  ValidationError,
} from 'class-validator';
import { MAX_EVENT_BYTES_CEILING } from '@flowline/contracts';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;
const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0)
    : value;

const toIntList = ({ value }: { value: unknown }): unknown => {
  const list = toList({ value });
  return Array.isArray(list) ? list.map((part: unknown) => (/^\d+$/.test(String(part)) ? Number(part) : part)) : list;
};

const MiB = 1024 * 1024;

/** At least the value of another variable (which is validated on its own). */
function AtLeastVariable(other: 'FLOWLINE_MAX_EVENT_BYTES') {
  return ValidateBy({
    name: 'atLeastVariable',
    validator: {
      validate: (value: unknown, args) =>
        typeof value === 'number' && value >= (args?.object as Record<string, number>)[other]!,
      defaultMessage: (args) => `${args?.property} must be at least ${other}, so one event of the largest size fits`,
    },
  });
}

/** Names of variables whose values must never be printed (see `describeConfig`). */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'FLOWLINE_ADMIN_TOKEN',
  'FLOWLINE_SECRET_KEY',
  'FLOWLINE_SECRET_KEY_PREVIOUS',
  'SMTP_URL',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_OAUTH_CLIENT_SECRET',
] as const;

/**
 * The operator's configuration (docs/CONTRACT.md §12), read from the environment once at boot.
 * Every property is named after its variable so an error message names what to fix.
 */
export class FlowlineEnv {
  @Transform(toList)
  @IsString({ each: true })
  @Matches(/^[^\s:]+:\d{1,5}$/, { each: true, message: 'KAFKA_BROKERS must be host:port entries separated by commas' })
  KAFKA_BROKERS: string[] = ['localhost:9092'];

  @IsString()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://flowline:flowline@localhost:5432/flowline';

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'FLOWLINE_ADMIN_TOKEN must be at least 16 characters' })
  FLOWLINE_ADMIN_TOKEN?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'FLOWLINE_SECRET_KEY must be at least 32 characters' })
  FLOWLINE_SECRET_KEY?: string;

  /** Earlier values of FLOWLINE_SECRET_KEY, comma-separated: secrets they sealed stay readable. */
  @Transform(toList)
  @IsString({ each: true })
  FLOWLINE_SECRET_KEY_PREVIOUS: string[] = [];

  @IsString()
  @Matches(/^[a-zA-Z0-9._-]*$/, { message: 'FLOWLINE_TOPIC_PREFIX may hold only letters, digits, ".", "_" and "-"' })
  FLOWLINE_TOPIC_PREFIX = 'flowline.';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  FLOWLINE_PARTITIONS = 12;

  @Transform(toList)
  @IsString({ each: true })
  FLOWLINE_ALLOW_PRIVATE_TARGETS: string[] = [];

  @IsOptional()
  @IsString()
  @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  /** Sender of sequence trigger emails: an address, or a display name and an address in angle brackets. */
  @IsString()
  @Matches(/^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, {
    message: 'FLOWLINE_EMAIL_FROM must be an email address, e.g. "Flowline <flowline@example.com>"',
  })
  FLOWLINE_EMAIL_FROM = 'Flowline <flowline@localhost>';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  /**
   * The address the HTTP server (API, /metrics, /health) binds: every interface by default, as a
   * container needs; `127.0.0.1` (or `::1`) keeps it to the machine, `::` takes IPv6 too.
   */
  @IsIP(undefined, { message: 'FLOWLINE_HTTP_HOST must be an IP address to bind, e.g. 0.0.0.0, 127.0.0.1 or ::' })
  FLOWLINE_HTTP_HOST = '0.0.0.0';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /**
   * Appends log lines to this file instead of writing them to stdout. For test runs, whose output
   * should show test results; containers log to stdout (leave it unset).
   */
  @IsOptional()
  @IsString()
  LOG_FILE?: string;

  /**
   * Events larger than this go to the invalid topic (docs/CONTRACT.md §2). At most 4 MiB: a larger event
   * would make records the topics refuse further on.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(MAX_EVENT_BYTES_CEILING)
  FLOWLINE_MAX_EVENT_BYTES = 1024 * 1024;

  /**
   * The most a JSON request body may hold, except `POST /events` (413 above). The control plane's
   * bodies are small; the bound keeps one caller from filling the api's memory.
   */
  @Transform(toInt)
  @IsInt()
  @Min(64 * 1024)
  @Max(256 * MiB)
  FLOWLINE_MAX_REQUEST_BYTES = 2 * MiB;

  /**
   * The most a `POST /events` body may hold (413 above). 500 events of FLOWLINE_MAX_EVENT_BYTES
   * would be 500 MiB in one request, which would let one tenant exhaust the api's memory: the
   * default takes 500 events of 64 KiB, or 31 of the largest, per request (decision 0011).
   */
  @Transform(toInt)
  @IsInt()
  @Max(1024 * MiB)
  @AtLeastVariable('FLOWLINE_MAX_EVENT_BYTES')
  FLOWLINE_MAX_EVENTS_REQUEST_BYTES = 32 * MiB;

  /** How long an event id is remembered for de-duplication (docs/CONTRACT.md §2: 7 days). */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  FLOWLINE_DEDUPE_HORIZON_S = 7 * 24 * 3600;

  /**
   * Retention horizons (docs/CONTRACT.md §15, decision 0021), in seconds; 0 keeps that class forever.
   * Settled deliveries (succeeded, failed, abandoned) untouched this long leave the delivery log
   * with their attempts; nothing waiting for a retry or held is ever removed.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  FLOWLINE_RETENTION_DELIVERIES_S = 30 * 24 * 3600;

  /** Receivers' response excerpts of attempts older than this are cleared (the attempt stays). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  FLOWLINE_RETENTION_RESPONSE_EXCERPTS_S = 7 * 24 * 3600;

  /** The stored delivery record (rendered body) of a failed or abandoned delivery, kept for resubmits. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  FLOWLINE_RETENTION_DELIVERY_RECORDS_S = 30 * 24 * 3600;

  /** Completed sequences (produced) and sequence state untouched this long (and past its window). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  FLOWLINE_RETENTION_SEQUENCE_EVENTS_S = 90 * 24 * 3600;

  /** Finished replays (done or failed). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  FLOWLINE_RETENTION_REPLAYS_S = 30 * 24 * 3600;

  /** The hourly insights counters. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  FLOWLINE_RETENTION_INSIGHTS_S = 400 * 24 * 3600;

  /** How often the api enforces retention (one replica at a time); 0 leaves it to the `retention` command. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  FLOWLINE_RETENTION_INTERVAL_S = 300;

  /** Rows removed per statement: each batch is a short transaction, so no lock is held long. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  FLOWLINE_RETENTION_BATCH_SIZE = 2000;

  /**
   * How often services compare every tenant's configuration version with PostgreSQL: the fallback
   * should a notification be lost (changes arrive by LISTEN/NOTIFY within milliseconds; decision 0017).
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  FLOWLINE_CONFIG_REFRESH_MS = 2000;

  /** Create missing topics at start (turn off where topics are managed elsewhere). */
  @Transform(toBool)
  @IsBoolean()
  FLOWLINE_CREATE_TOPICS = true;

  /** Apply pending migrations when a service starts (Helm runs a migration job and turns this off). */
  @Transform(toBool)
  @IsBoolean()
  FLOWLINE_MIGRATE_ON_START = true;

  /**
   * How long the broker waits for a silent consumer before giving its partitions to another
   * (kafkajs sessionTimeout). Shorter recovers faster from a killed process; too short evicts a
   * busy one. The broker allows 6000–300000.
   */
  @Transform(toInt)
  @IsInt()
  @Min(6000)
  @Max(300000)
  FLOWLINE_KAFKA_SESSION_TIMEOUT_MS = 30000;

  /**
   * How long an api process holds a replay it runs without renewing (renewed three times as
   * often): once it ran out, another api process resumes the replay (decision 0015).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600000)
  FLOWLINE_REPLAY_LEASE_MS = 30000;

  /**
   * How long a connection's deliveries may all fail with retryable failures (5xx, 429, timeouts,
   * connection errors) before the dispatcher pauses it, for connections without their own
   * `pause_after_failing_s`; 0 turns the rule off (decision 0020).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(30 * 24 * 3600)
  FLOWLINE_PAUSE_AFTER_FAILING_S = 24 * 3600;

  /**
   * Deliveries abandoned to one connection within this many seconds are told of in one
   * `delivery.abandoned` notification, with their count and the first failures (decision 0026).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 3600)
  FLOWLINE_NOTIFY_COALESCE_S = 300;

  /** How late (event time) an event may arrive and still count toward a sequence (docs/CONTRACT.md §7). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  FLOWLINE_SEQUENCE_LATENESS_S = 300;

  /**
   * A completed sequence recorded but not produced this long after is taken as left by a crash
   * and produced by the detector's housekeeping. Longer than any healthy produce takes.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  FLOWLINE_SEQUENCE_RELAY_AFTER_S = 60;

  /**
   * Seconds before each automatic retry of deliveries whose connection sets no `retry_schedule_s`
   * (and of emails and sequence `webhook_url`s): docs/CONTRACT.md §8's 10 s, 2 min, 15 min by default.
   */
  @Transform(toIntList)
  @IsInt({ each: true, message: 'FLOWLINE_RETRY_SCHEDULE_S must be comma-separated whole seconds' })
  @Min(1, { each: true })
  @Max(72 * 3600, { each: true })
  FLOWLINE_RETRY_SCHEDULE_S: number[] = [10, 120, 900];

  /** Services to run when the entry point gets no argument (comma-separated, or `all`). */
  @IsOptional()
  @IsString()
  FLOWLINE_SERVICES?: string;

  /** Port of the demo's local webhook receiver (`main.js demo`). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  FLOWLINE_DEMO_RECEIVER_PORT = 8099;

  /**
   * A console session ends after this long without a request (decision 0019): short, because a
   * session is a bearer credential in a browser.
   */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(24 * 3600)
  FLOWLINE_CONSOLE_SESSION_IDLE_S = 1800;

  /** However active, a console session ends this long after sign-in; the user signs in again. */
  @Transform(toInt)
  @IsInt()
  @Min(300)
  @Max(7 * 24 * 3600)
  FLOWLINE_CONSOLE_SESSION_MAX_S = 8 * 3600;

  /** Where the built console is (`npm run build` writes `dist/console`); default: that, under the installation. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  FLOWLINE_CONSOLE_DIR?: string;

  /** Kafka client id, visible in broker logs and quotas. */
  @IsString()
  @MinLength(1)
  KAFKA_CLIENT_ID = 'flowline';

  // --- Secured Kafka connections (combinations and files are checked by kafkaSecurityProblems) ---

  /** Connect to the brokers over TLS. */
  @Transform(toBool)
  @IsBoolean()
  KAFKA_SSL = false;

  /** PEM file of the CA(s) that signed the brokers' certificates; unset: Node's trusted CAs. */
  @IsOptional()
  @IsString()
  KAFKA_SSL_CA_FILE?: string;

  /** PEM client certificate for mutual TLS (with KAFKA_SSL_KEY_FILE). */
  @IsOptional()
  @IsString()
  KAFKA_SSL_CERT_FILE?: string;

  /** PEM private key of KAFKA_SSL_CERT_FILE (unencrypted; mount it from a Secret). */
  @IsOptional()
  @IsString()
  KAFKA_SSL_KEY_FILE?: string;

  /** Refuse brokers whose certificate does not verify. Only a test setup turns this off. */
  @Transform(toBool)
  @IsBoolean()
  KAFKA_SSL_REJECT_UNAUTHORIZED = true;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsIn(KAFKA_SASL_MECHANISMS, { message: `KAFKA_SASL_MECHANISM must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}` })
  KAFKA_SASL_MECHANISM?: KafkaSaslMechanism;

  @IsOptional()
  @IsString()
  KAFKA_SASL_USERNAME?: string;

  /** A secret: never logged, never described. */
  @IsOptional()
  @IsString()
  KAFKA_SASL_PASSWORD?: string;

  /** OAUTHBEARER: the OAuth 2.0 token endpoint Flowline asks for client-credentials tokens. */
  @IsOptional()
  @IsString()
  @Matches(/^https?:\/\/\S+$/, { message: 'KAFKA_SASL_OAUTH_TOKEN_URL must be an http(s):// URL' })
  KAFKA_SASL_OAUTH_TOKEN_URL?: string;

  @IsOptional()
  @IsString()
  KAFKA_SASL_OAUTH_CLIENT_ID?: string;

  /** A secret: never logged, never described. */
  @IsOptional()
  @IsString()
  KAFKA_SASL_OAUTH_CLIENT_SECRET?: string;

  /** Space-separated scopes to ask the token endpoint for; unset: none. */
  @IsOptional()
  @IsString()
  KAFKA_SASL_OAUTH_SCOPE?: string;

  // --- Durability of the topics Flowline creates ---

  /** Replicas of each topic Flowline creates; unset: the broker's default.replication.factor. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(32)
  FLOWLINE_REPLICATION_FACTOR?: number;

  /**
   * min.insync.replicas of each topic Flowline creates: with acks=all a write succeeds only once
   * this many replicas have it. Unset: the broker's default.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(32)
  FLOWLINE_MIN_INSYNC_REPLICAS?: number;
}

export type FlowlineConfig = Readonly<FlowlineEnv>;

/** Variables without a default (so absent from `new FlowlineEnv()`'s keys). */
const OPTIONAL_VARIABLES = [
  'FLOWLINE_ADMIN_TOKEN',
  'FLOWLINE_SECRET_KEY',
  'SMTP_URL',
  'PORT',
  'FLOWLINE_SERVICES',
  'LOG_FILE',
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SSL_CERT_FILE',
  'KAFKA_SSL_KEY_FILE',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_OAUTH_TOKEN_URL',
  'KAFKA_SASL_OAUTH_CLIENT_ID',
  'KAFKA_SASL_OAUTH_CLIENT_SECRET',
  'KAFKA_SASL_OAUTH_SCOPE',
  'FLOWLINE_REPLICATION_FACTOR',
  'FLOWLINE_MIN_INSYNC_REPLICAS',
  'FLOWLINE_CONSOLE_DIR',
];

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

function flattenProblems(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => [
    ...Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? message : `${error.property}: ${message}`,
    ),
    ...flattenProblems(error.children ?? []),
  ]);
}

/**
 * Reads and validates the configuration. Unset and empty variables take their defaults.
 * Throws `ConfigValidationError` listing every problem, so an operator fixes them in one go.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): FlowlineConfig {
  const known = Object.keys(new FlowlineEnv());
  const defined: Record<string, string> = {};
  for (const name of [...known, ...OPTIONAL_VARIABLES]) {
    const value = env[name];
    if (value !== undefined && value !== '') defined[name] = value;
  }
  const config = plainToInstance(FlowlineEnv, defined, { exposeDefaultValues: true });
  const problems = flattenProblems(validateSync(config, { forbidUnknownValues: true }));
  // Settings that are each valid may still not fit together, or name files that cannot be read.
  problems.push(...connectionProblems(config, readableFile));
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return Object.freeze(config);
}

/** The configuration as it may be logged: secrets replaced by whether they are set. */
export function describeConfig(config: FlowlineConfig): Record<string, unknown> {
  const described: Record<string, unknown> = { ...config };
  for (const name of SECRET_VARIABLES) {
    const value = config[name];
    described[name] = value === undefined || (Array.isArray(value) && value.length === 0) ? 'unset' : 'set';
  }
  return described;
}
