import pino, { Logger } from 'pino';

/**
 * Paths whose values never reach a log line: credentials in headers, connection secrets and
 * URLs that may carry passwords. Pino replaces them before serialisation.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.client_secret',
  '*.refresh_token',
  '*.signing_secret',
  '*.key',
  'DATABASE_URL',
  'SMTP_URL',
  'FLOWLINE_ADMIN_TOKEN',
  'FLOWLINE_SECRET_KEY',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_OAUTH_CLIENT_SECRET',
  '*.clientSecret',
  'sasl',
  '*.sasl',
];

export type { Logger };

/**
 * Errors are logged with pino's serializer, minus what a database error carries besides its
 * message: TypeORM's `QueryFailedError` holds the statement's `parameters` (delivery records,
 * mapped values, sealed secrets) and the driver's error repeats them.
 */
function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  if (serialized && typeof serialized === 'object') {
    delete serialized.parameters;
    delete serialized.driverError;
    delete serialized.query;
  }
  return serialized;
}

/** One structured JSON logger per process; services take children named after themselves. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { app: 'flowline' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
