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
  // Request bodies carry tenants' secrets and their customers' personal data.
  'body',
  'req.body',
  'request.body',
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
 * What a database error carries besides its message, none of which may reach a log: TypeORM's
 * `QueryFailedError` holds the statement and its `parameters` (delivery records, mapped values,
 * sealed secrets), the driver's error repeats them, and PostgreSQL's `detail` and `where` quote
 * the values of the row (`Key (tenant_id, name)=(acme, race) already exists.`).
 */
const DATABASE_ERROR_VALUES = ['query', 'parameters', 'driverError', 'detail', 'where', 'internalQuery'];

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22) quote the value they refused in their message
 * (`invalid input syntax for type uuid: "…"`, `value "…" is out of range for type integer`):
 * the message keeps what went wrong, without the value.
 */
function withoutRefusedValue(message: string): string {
  const colon = message.indexOf(': ');
  return (colon === -1 ? message : message.slice(0, colon)).replace(/"(?:[^"]|"")*"/g, '"…"');
}

/**
 * Errors are logged with pino's serializer, minus the values a database error carries (see
 * DATABASE_ERROR_VALUES). Every logger of the process uses it, the HTTP request logger included
 * (pino-http would otherwise put pino's own serializer in its place).
 */
export function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  if (!serialized || typeof serialized !== 'object') return serialized;
  for (const key of DATABASE_ERROR_VALUES) delete serialized[key];
  const { code, message, stack } = serialized;
  if (typeof code === 'string' && code.startsWith('22') && typeof message === 'string') {
    const scrubbed = withoutRefusedValue(message);
    serialized.message = scrubbed;
    if (typeof stack === 'string') serialized.stack = stack.split(message).join(scrubbed);
  }
  return serialized;
}

interface LoggedRequest {
  id?: unknown;
  method?: string;
  url?: string;
}

/** Paths that name a subject (`DELETE /subjects/{subject}`): the subject is a personal value. */
const SUBJECT_PATH = /^(\/subjects\/)[^/]+/;

/**
 * A request as the HTTP logger writes it: its id, method and path. The query string is left out
 * (filters name subjects and leads: personal values), and so are headers and the peer's address;
 * a subject in the path is replaced.
 */
export function serializeRequest(request: LoggedRequest): Record<string, unknown> {
  const path = (request.url ?? '').split('?', 1)[0]!.replace(SUBJECT_PATH, '$1[redacted]');
  return { id: request.id, method: request.method, path };
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
