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
];

export type { Logger };

/** One structured JSON logger per process; services take children named after themselves. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { app: 'flowline' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  });
}
