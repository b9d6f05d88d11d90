import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/**
 * The client settings of the local SASL_SSL broker (`deploy/local/kafka.sh start secure`, which
 * the test command runs): KAFKA_BROKERS, KAFKA_SSL_*, KAFKA_SASL_*.
 */
export function secureKafkaEnv(): Record<string, string> {
  return localKafkaEnv('secure');
}

/** The client settings of a profile of deploy/local/kafka.sh (`secure`, `cluster`), as it prints them. */
export function localKafkaEnv(profile: 'secure' | 'cluster'): Record<string, string> {
  let text: string;
  try {
    text = execFileSync('bash', [join(ROOT, 'deploy/local/kafka.sh'), 'env', profile], {
      encoding: 'utf8',
      env: process.env,
    });
  } catch (error) {
    throw new Error(
      `the local Kafka '${profile}' profile is not set up: run 'bash deploy/local/kafka.sh start ${profile}' (deploy/local/test.sh does): ${String((error as { stderr?: string }).stderr ?? error)}`,
    );
  }
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** The local PostgreSQL's CA (made by deploy/local/postgres.sh when it starts with TLS). */
export function localPostgresCaFile(): string {
  const file =
    process.env.FLOWLINE_PG_CA_FILE ??
    join(process.env.FLOWLINE_LOCAL_DIR ?? join(ROOT, '.local'), 'postgres/tls/ca.crt');
  if (!existsSync(file))
    throw new Error(
      `no PostgreSQL CA at ${file}: start PostgreSQL with 'bash deploy/local/postgres.sh start' (TLS on)`,
    );
  return file;
}

/** DATABASE_URL with libpq TLS parameters, and optionally another host name. */
export function postgresUrlWith(base: string, params: Record<string, string>, host?: string): string {
  const url = new URL(base);
  if (host) url.hostname = host;
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}
