/**
 * Why a process could not open Kafka or PostgreSQL, in one line an operator can act on: which
 * dependency, what kind of failure, and which setting to look at. Built from the error chain
 * (kafkajs and pg wrap Node's socket and TLS errors), never from configuration values, so no
 * credential can end up in the line.
 */
export type Dependency = 'kafka' | 'postgres';

export type FailureKind =
  'authentication' | 'untrusted-certificate' | 'tls-refused' | 'tls-unsupported' | 'unreachable' | 'other';

export interface ConnectionFailure {
  dependency: Dependency;
  kind: FailureKind;
  /** What happened and what to check, e.g. "authentication failed (...): check KAFKA_SASL_USERNAME ...". */
  cause: string;
}

/** Node's codes for a peer certificate that does not verify. */
const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  cause?: unknown;
  originalError?: unknown;
}

/** The error and everything it wraps, outermost first. */
function chain(error: unknown): ErrorLike[] {
  const errors: ErrorLike[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && errors.length < 8 && !errors.includes(current)) {
    errors.push(current);
    const next = (current as ErrorLike).cause ?? (current as ErrorLike).originalError;
    current = next;
  }
  return errors;
}

const HINTS: Record<Dependency, Record<Exclude<FailureKind, 'other'>, string>> = {
  kafka: {
    authentication: 'check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or the OAuth client)',
    'untrusted-certificate': "check KAFKA_SSL_CA_FILE: it must hold the CA that signed the brokers' certificates",
    'tls-refused': 'check KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE: the broker may require a client certificate',
    'tls-unsupported': 'check KAFKA_SSL and the port: the listener may not speak TLS',
    unreachable: 'check KAFKA_BROKERS and that the brokers run',
  },
  postgres: {
    authentication: 'check the user and password in DATABASE_URL',
    'untrusted-certificate':
      "check DATABASE_URL's sslrootcert and host: the server's certificate must verify for its sslmode",
    'tls-refused': "check DATABASE_URL's sslcert and sslkey",
    'tls-unsupported': "the server does not offer TLS: turn it on or change DATABASE_URL's sslmode",
    unreachable: "check DATABASE_URL's host and port and that PostgreSQL runs",
  },
};

export function classifyConnectionFailure(dependency: Dependency, error: unknown): ConnectionFailure {
  const errors = chain(error);
  const codes = errors.map((e) => e.code).filter((code): code is string => typeof code === 'string');
  const messages = errors.map((e) => e.message ?? '').filter((message) => message.length > 0);
  const detail = innermostMessage(messages);
  const failure = (kind: Exclude<FailureKind, 'other'>, what: string): ConnectionFailure => ({
    dependency,
    kind,
    cause: `${what} (${detail}): ${HINTS[dependency][kind]}`,
  });

  const untrusted = codes.find((code) => UNTRUSTED_CERTIFICATE_CODES.has(code));
  if (untrusted) return failure('untrusted-certificate', `certificate not trusted, ${untrusted}`);
  if (
    codes.some((code) => /^ERR_SSL_.*ALERT/.test(code)) ||
    messages.some((m) => /alert (certificate|handshake|bad certificate)/i.test(m))
  )
    return failure('tls-refused', 'TLS handshake refused by the server');
  if (
    errors.some((e) => e.name === 'KafkaJSSASLAuthenticationError' || e.name === 'OAuthTokenError') ||
    codes.includes('28P01') ||
    codes.includes('28000')
  )
    return failure('authentication', 'authentication failed');
  if (
    messages.some((m) => /does not support SSL/i.test(m)) ||
    codes.some((code) => code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO')
  )
    return failure('tls-unsupported', 'TLS not spoken by the server');
  if (
    codes.some((code) => UNREACHABLE_CODES.has(code)) ||
    messages.some((m) =>
      /Connection timeout|Failed to connect|socket disconnected before secure TLS connection/i.test(m),
    )
  )
    return failure('unreachable', 'cannot connect');
  return { dependency, kind: 'other', cause: detail };
}

/** The most specific message: the innermost one, without kafkajs's "Connection error: " prefixes. */
function innermostMessage(messages: string[]): string {
  const last = (messages[messages.length - 1] ?? 'unknown error').replace(
    /^(Connection error|Failed to connect): /,
    '',
  );
  const firstLine = last.split('\n')[0]!;
  // OpenSSL's lines ("...:SSL routines:ssl3_read_bytes:ssl/tls alert bad certificate:...") say it in one field.
  const openssl = /SSL routines:[^:]*:([^:]+)/.exec(firstLine);
  return (openssl ? openssl[1]! : firstLine).slice(0, 300);
}
