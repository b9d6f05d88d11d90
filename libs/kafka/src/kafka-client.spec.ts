import { logLevel } from 'kafkajs';
import { loadConfig } from '@flowline/config';
import { kafkaLogLevel, kafkaSecurity } from './kafka-client';

const files: Record<string, string> = { '/ca.pem': 'CA', '/client.crt': 'CERT', '/client.key': 'KEY' };
const readFile = (path: string) => files[path] ?? '';
// loadConfig checks the files exist: the spec names ones it creates in memory only for kafkaSecurity.
const config = (env: Record<string, string>) =>
  ({ ...loadConfig({}), ...env }) as unknown as ReturnType<typeof loadConfig>;

describe('kafkaSecurity', () => {
  it('connects in plain text without SASL by default', () => {
    expect(kafkaSecurity(loadConfig({}))).toEqual({ ssl: false, sasl: undefined });
  });

  it('builds mutual TLS and SCRAM from the configuration', () => {
    const security = kafkaSecurity(
      config({
        KAFKA_SSL: true,
        KAFKA_SSL_CA_FILE: '/ca.pem',
        KAFKA_SSL_CERT_FILE: '/client.crt',
        KAFKA_SSL_KEY_FILE: '/client.key',
        KAFKA_SSL_REJECT_UNAUTHORIZED: true,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'flowline',
        KAFKA_SASL_PASSWORD: 'pw',
      } as unknown as Record<string, string>),
      { readFile },
    );
    expect(security).toEqual({
      ssl: { rejectUnauthorized: true, ca: 'CA', cert: 'CERT', key: 'KEY' },
      sasl: { mechanism: 'scram-sha-512', username: 'flowline', password: 'pw' },
    });
  });

  it('gives oauthbearer a token provider', () => {
    const security = kafkaSecurity(
      config({
        KAFKA_SASL_MECHANISM: 'oauthbearer',
        KAFKA_SASL_OAUTH_TOKEN_URL: 'https://idp/token',
        KAFKA_SASL_OAUTH_CLIENT_ID: 'id',
        KAFKA_SASL_OAUTH_CLIENT_SECRET: 'secret',
      }),
    );
    expect(security.sasl).toEqual({ mechanism: 'oauthbearer', oauthBearerProvider: expect.any(Function) });
  });
});

describe('kafkaLogLevel', () => {
  it('keeps errors errors', () => {
    expect(kafkaLogLevel({ level: logLevel.ERROR, message: 'Connection error', error: 'ECONNREFUSED' })).toBe('error');
    expect(kafkaLogLevel({ level: logLevel.WARN, message: 'x' })).toBe('warn');
  });

  it('writes the answers concurrent provisioning expects at debug', () => {
    expect(
      kafkaLogLevel({
        level: logLevel.ERROR,
        message: 'Response CreateTopics(key: 19, version: 3)',
        error: 'Topic with this name already exists',
      }),
    ).toBe('debug');
    expect(
      kafkaLogLevel({
        level: logLevel.ERROR,
        message: 'Response CreateTopics(key: 19, version: 3)',
        error: 'Topic creation errors',
      }),
    ).toBe('debug');
    expect(
      kafkaLogLevel({
        level: logLevel.ERROR,
        message: 'Response Metadata(key: 3, version: 6)',
        error: 'There is no leader for this topic-partition as we are in the middle of a leadership election',
      }),
    ).toBe('debug');
    expect(
      kafkaLogLevel({
        level: logLevel.ERROR,
        message: 'Response Produce(key: 0)',
        error: 'Topic with this name already exists',
      }),
    ).toBe('error');
  });
});
