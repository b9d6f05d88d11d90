import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError, describeConfig, loadConfig } from './flowline-config';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';

function pemDirectory(): { ca: string; cert: string; key: string; encryptedKey: string; notPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'flowline-config-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  return {
    ca: file('ca.crt', CERT),
    cert: file('client.crt', CERT),
    key: file('client.key', KEY),
    encryptedKey: file(
      'encrypted.key',
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nx\n-----END ENCRYPTED PRIVATE KEY-----\n',
    ),
    notPem: file('notes.txt', 'hello'),
  };
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('secured Kafka settings', () => {
  const files = pemDirectory();

  it('accepts SCRAM over mutual TLS and keeps the password out of the description', () => {
    const config = loadConfig({
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: files.ca,
      KAFKA_SSL_CERT_FILE: files.cert,
      KAFKA_SSL_KEY_FILE: files.key,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'flowline',
      KAFKA_SASL_PASSWORD: 'hunter2-kafka',
    });
    expect(config.KAFKA_SSL).toBe(true);
    expect(config.KAFKA_SSL_REJECT_UNAUTHORIZED).toBe(true);
    expect(config.KAFKA_SASL_MECHANISM).toBe('scram-sha-512');
    const described = describeConfig(config);
    expect(JSON.stringify(described)).not.toContain('hunter2-kafka');
    expect(described.KAFKA_SASL_PASSWORD).toBe('set');
    expect(described.KAFKA_SASL_USERNAME).toBe('flowline');
  });

  it('keeps the OAuth client secret out of the description', () => {
    const config = loadConfig({
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'oauthbearer',
      KAFKA_SASL_OAUTH_TOKEN_URL: 'https://idp.example.com/oauth2/token',
      KAFKA_SASL_OAUTH_CLIENT_ID: 'flowline',
      KAFKA_SASL_OAUTH_CLIENT_SECRET: 'client-secret-value',
      KAFKA_SASL_OAUTH_SCOPE: 'kafka',
    });
    expect(JSON.stringify(describeConfig(config))).not.toContain('client-secret-value');
    expect(describeConfig(config).KAFKA_SASL_OAUTH_CLIENT_SECRET).toBe('set');
  });

  it.each([
    [
      'a certificate without its key, and an unreadable CA',
      { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: files.cert, KAFKA_SSL_CA_FILE: '/nonexistent/ca.crt' },
      [
        /KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together/,
        /KAFKA_SSL_CA_FILE: \/nonexistent\/ca.crt does not exist/,
      ],
    ],
    [
      'files that hold no PEM or an encrypted key',
      {
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: files.notPem,
        KAFKA_SSL_CERT_FILE: files.cert,
        KAFKA_SSL_KEY_FILE: files.encryptedKey,
      },
      [/KAFKA_SSL_CA_FILE: .*notes.txt holds no PEM certificate/, /KAFKA_SSL_KEY_FILE: .* holds an encrypted key/],
    ],
    ['TLS files without TLS', { KAFKA_SSL_CA_FILE: files.ca }, [/KAFKA_SSL_CA_FILE set but KAFKA_SSL is not true/]],
    [
      'SCRAM without a password',
      { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'u' },
      [/scram-sha-256 needs KAFKA_SASL_PASSWORD/],
    ],
    [
      'an unknown mechanism',
      { KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u' },
      [/KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512, oauthbearer/],
    ],
    [
      'credentials without a mechanism',
      { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      [/KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD set but KAFKA_SASL_MECHANISM is not/],
    ],
    [
      'oauthbearer without its endpoint, with a password',
      { KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_SASL_OAUTH_CLIENT_ID: 'id', KAFKA_SASL_PASSWORD: 'p' },
      [
        /oauthbearer needs KAFKA_SASL_OAUTH_TOKEN_URL, KAFKA_SASL_OAUTH_CLIENT_SECRET/,
        /KAFKA_SASL_PASSWORD not used with KAFKA_SASL_MECHANISM=oauthbearer/,
      ],
    ],
    [
      'OAuth settings with SCRAM',
      {
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_SASL_OAUTH_SCOPE: 's',
      },
      [/KAFKA_SASL_OAUTH_SCOPE only used with KAFKA_SASL_MECHANISM=oauthbearer/],
    ],
    [
      'a token URL that is not http(s)',
      {
        KAFKA_SASL_MECHANISM: 'oauthbearer',
        KAFKA_SASL_OAUTH_TOKEN_URL: 'ftp://x',
        KAFKA_SASL_OAUTH_CLIENT_ID: 'i',
        KAFKA_SASL_OAUTH_CLIENT_SECRET: 's',
      },
      [/KAFKA_SASL_OAUTH_TOKEN_URL must be an http\(s\):\/\/ URL/],
    ],
    [
      'more in-sync replicas than replicas',
      { FLOWLINE_REPLICATION_FACTOR: '2', FLOWLINE_MIN_INSYNC_REPLICAS: '3' },
      [/FLOWLINE_MIN_INSYNC_REPLICAS \(3\) exceeds FLOWLINE_REPLICATION_FACTOR \(2\)/],
    ],
  ])('lists every problem of %s', (_name, env, expected) => {
    const problems = problemsOf(env);
    for (const pattern of expected) expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
    expect(problems).toHaveLength(expected.length);
  });

  it('lists Kafka and PostgreSQL problems together with the per-variable ones', () => {
    const problems = problemsOf({
      FLOWLINE_PARTITIONS: '0',
      KAFKA_SSL: 'true',
      KAFKA_SSL_KEY_FILE: files.key,
      DATABASE_URL: 'postgres://u:p@db/flowline?sslmode=verify-full&sslrootcert=/nonexistent/root.crt',
    });
    expect(problems).toEqual([
      'FLOWLINE_PARTITIONS must not be less than 1',
      'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (mutual TLS): set both or neither',
      'DATABASE_URL sslrootcert: /nonexistent/root.crt does not exist',
    ]);
    expect(problems.join('\n')).not.toContain('u:p@');
  });

  it('takes the durability settings as numbers, unset by default', () => {
    expect(loadConfig({}).FLOWLINE_REPLICATION_FACTOR).toBeUndefined();
    const config = loadConfig({ FLOWLINE_REPLICATION_FACTOR: '3', FLOWLINE_MIN_INSYNC_REPLICAS: '2' });
    expect([config.FLOWLINE_REPLICATION_FACTOR, config.FLOWLINE_MIN_INSYNC_REPLICAS]).toEqual([3, 2]);
  });
});
