import { randomBytes } from 'node:crypto';
import { loadConfig } from '@flowline/config';

/** A short random suffix: each test's topics, groups and tenants are its own. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

/**
 * The environment of one test cluster: the broker and database this run uses (from the
 * environment, validated), a topic prefix of its own (so its topics and consumer groups are
 * unique), fewer partitions (faster to create), a fast config refresh, quiet logs, and loopback
 * allowed as a delivery target.
 */
export function testEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  const base = loadConfig();
  return {
    KAFKA_BROKERS: base.KAFKA_BROKERS.join(','),
    DATABASE_URL: base.DATABASE_URL,
    FLOWLINE_TOPIC_PREFIX: `test-${uniqueSuffix()}.`,
    FLOWLINE_PARTITIONS: '3',
    FLOWLINE_CONFIG_REFRESH_MS: '250',
    LOG_LEVEL: base.LOG_LEVEL === 'info' ? 'warn' : base.LOG_LEVEL,
    // The services' log lines go to the test file's log (test/support/service-logs.js sets it), printed
    // by the reporter only when a test of the file fails, so the output shows test results.
    ...(base.LOG_FILE ? { LOG_FILE: base.LOG_FILE } : {}),
    PORT: '0',
    // Test receivers listen on loopback, which the SSRF guard refuses unless allow-listed.
    FLOWLINE_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8,::1',
    // Retries of connections without their own schedule (and of emails) come within seconds.
    FLOWLINE_RETRY_SCHEDULE_S: '1,2,4',
    ...overrides,
  };
}
