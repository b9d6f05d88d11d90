import { readFileSync } from 'node:fs';
import type { FlowlineEnv } from './flowline-config';
import { KAFKA_SASL_MECHANISMS } from './kafka-sasl-mechanism';
import { parsePostgresUrl, PemKind, postgresTlsFiles } from './postgres-url';

/** What reading a named file gave: its text, or why it could not be read. */
export type FileReading = { text: string } | { error: string };

/** Reads a file for validation; the reason names the cause, never the content. */
export function readableFile(path: string): FileReading {
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      error: code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : `cannot be read (${code})`,
    };
  }
}

/**
 * The problems of settings that are each valid but must fit together (a client certificate needs
 * its key, a SASL mechanism its credentials) or name files that must be readable PEM: all of them,
 * so an operator fixes everything at once. `read` is the file system, replaceable in tests.
 */
export function connectionProblems(config: FlowlineEnv, read: (path: string) => FileReading): string[] {
  return [
    ...kafkaTlsProblems(config, read),
    ...kafkaSaslProblems(config),
    ...durabilityProblems(config),
    ...postgresProblems(config, read),
  ];
}

function kafkaTlsProblems(config: FlowlineEnv, read: (path: string) => FileReading): string[] {
  const problems: string[] = [];
  const files: Array<[string, string | undefined, PemKind]> = [
    ['KAFKA_SSL_CA_FILE', config.KAFKA_SSL_CA_FILE, 'certificate'],
    ['KAFKA_SSL_CERT_FILE', config.KAFKA_SSL_CERT_FILE, 'certificate'],
    ['KAFKA_SSL_KEY_FILE', config.KAFKA_SSL_KEY_FILE, 'private key'],
  ];
  if (!config.KAFKA_SSL) {
    const named = files.filter(([, path]) => path !== undefined).map(([name]) => name);
    if (named.length > 0) problems.push(`${named.join(', ')} set but KAFKA_SSL is not true`);
    return problems;
  }
  if ((config.KAFKA_SSL_CERT_FILE === undefined) !== (config.KAFKA_SSL_KEY_FILE === undefined))
    problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (mutual TLS): set both or neither');
  for (const [name, path, holds] of files) {
    if (path !== undefined) problems.push(...pemFileProblems(name, path, holds, read));
  }
  return problems;
}

function kafkaSaslProblems(config: FlowlineEnv): string[] {
  const problems: string[] = [];
  const mechanism = config.KAFKA_SASL_MECHANISM;
  const userPassword = {
    KAFKA_SASL_USERNAME: config.KAFKA_SASL_USERNAME,
    KAFKA_SASL_PASSWORD: config.KAFKA_SASL_PASSWORD,
  };
  const oauth = {
    KAFKA_SASL_OAUTH_TOKEN_URL: config.KAFKA_SASL_OAUTH_TOKEN_URL,
    KAFKA_SASL_OAUTH_CLIENT_ID: config.KAFKA_SASL_OAUTH_CLIENT_ID,
    KAFKA_SASL_OAUTH_CLIENT_SECRET: config.KAFKA_SASL_OAUTH_CLIENT_SECRET,
  };
  const setNames = (settings: Record<string, string | undefined>) =>
    Object.entries(settings)
      .filter(([, value]) => value !== undefined)
      .map(([name]) => name);
  const missingNames = (settings: Record<string, string | undefined>) =>
    Object.entries(settings)
      .filter(([, value]) => value === undefined)
      .map(([name]) => name);
  const oauthSet = [
    ...setNames(oauth),
    ...(config.KAFKA_SASL_OAUTH_SCOPE !== undefined ? ['KAFKA_SASL_OAUTH_SCOPE'] : []),
  ];

  // An unknown mechanism is reported by its own rule; what it would need is unknowable.
  if (mechanism !== undefined && !(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism)) return problems;
  if (mechanism === undefined) {
    const stray = [...setNames(userPassword), ...oauthSet];
    if (stray.length > 0) problems.push(`${stray.join(', ')} set but KAFKA_SASL_MECHANISM is not`);
  } else if (mechanism === 'oauthbearer') {
    const missing = missingNames(oauth);
    if (missing.length > 0) problems.push(`KAFKA_SASL_MECHANISM=oauthbearer needs ${missing.join(', ')}`);
    const stray = setNames(userPassword);
    if (stray.length > 0)
      problems.push(`${stray.join(', ')} not used with KAFKA_SASL_MECHANISM=oauthbearer: remove them`);
  } else {
    const missing = missingNames(userPassword);
    if (missing.length > 0) problems.push(`KAFKA_SASL_MECHANISM=${mechanism} needs ${missing.join(', ')}`);
    if (oauthSet.length > 0)
      problems.push(`${oauthSet.join(', ')} only used with KAFKA_SASL_MECHANISM=oauthbearer: remove them`);
  }
  return problems;
}

function durabilityProblems(config: FlowlineEnv): string[] {
  const replicas = config.FLOWLINE_REPLICATION_FACTOR;
  const inSync = config.FLOWLINE_MIN_INSYNC_REPLICAS;
  if (typeof replicas === 'number' && typeof inSync === 'number' && inSync > replicas)
    return [
      `FLOWLINE_MIN_INSYNC_REPLICAS (${inSync}) exceeds FLOWLINE_REPLICATION_FACTOR (${replicas}): no write could succeed`,
    ];
  return [];
}

function postgresProblems(config: FlowlineEnv, read: (path: string) => FileReading): string[] {
  // A URL that is not postgres:// is reported by its own rule already.
  if (typeof config.DATABASE_URL !== 'string' || !/^postgres(ql)?:\/\//.test(config.DATABASE_URL)) return [];
  const { tls, problems } = parsePostgresUrl(config.DATABASE_URL);
  return [
    ...problems,
    ...postgresTlsFiles(tls).flatMap((file) => pemFileProblems(file.parameter, file.path, file.holds, read)),
  ];
}

const PEM_MARKERS: Record<PemKind, RegExp> = {
  certificate: /-----BEGIN CERTIFICATE-----/,
  'private key': /-----BEGIN (RSA |EC )?PRIVATE KEY-----/,
};

function pemFileProblems(name: string, path: string, holds: PemKind, read: (path: string) => FileReading): string[] {
  const reading = read(path);
  if ('error' in reading) return [`${name}: ${path} ${reading.error}`];
  if (holds === 'private key' && reading.text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----'))
    return [`${name}: ${path} holds an encrypted key; give an unencrypted PEM key (mounted from a Secret)`];
  if (!PEM_MARKERS[holds].test(reading.text)) return [`${name}: ${path} holds no PEM ${holds}`];
  return [];
}
