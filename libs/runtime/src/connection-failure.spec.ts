import { classifyConnectionFailure } from './connection-failure';

/** Errors shaped as kafkajs and pg throw them (recorded against the local brokers and server). */
function kafkajs(name: string, message: string, cause?: object): Error {
  return Object.assign(new Error(message), { name }, cause ? { cause } : {});
}

describe('classifyConnectionFailure', () => {
  it('names a wrong Kafka password, pointing at the SASL settings', () => {
    const failure = classifyConnectionFailure(
      'kafka',
      kafkajs(
        'KafkaJSSASLAuthenticationError',
        'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
      ),
    );
    expect(failure.kind).toBe('authentication');
    expect(failure.cause).toMatch(
      /^authentication failed \(SASL SCRAM SHA512 authentication failed: .*\): check KAFKA_SASL_MECHANISM/,
    );
  });

  it('names a broker certificate the CA file does not vouch for', () => {
    const failure = classifyConnectionFailure(
      'kafka',
      kafkajs(
        'KafkaJSNumberOfRetriesExceeded',
        'Connection error: self-signed certificate in certificate chain',
        Object.assign(
          kafkajs('KafkaJSConnectionError', 'Connection error: self-signed certificate in certificate chain'),
          {
            code: 'SELF_SIGNED_CERT_IN_CHAIN',
          },
        ),
      ),
    );
    expect(failure).toEqual({
      dependency: 'kafka',
      kind: 'untrusted-certificate',
      cause:
        "certificate not trusted, SELF_SIGNED_CERT_IN_CHAIN (self-signed certificate in certificate chain): check KAFKA_SSL_CA_FILE: it must hold the CA that signed the brokers' certificates",
    });
  });

  it('names a refused client certificate in one line', () => {
    const message =
      'Connection error: 402DCEB4377F0000:error:0A000412:SSL routines:ssl3_read_bytes:ssl/tls alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:918:SSL alert number 42\n';
    const failure = classifyConnectionFailure(
      'kafka',
      kafkajs('KafkaJSNumberOfRetriesExceeded', message, {
        name: 'KafkaJSConnectionError',
        message,
        code: 'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE',
      }),
    );
    expect(failure.kind).toBe('tls-refused');
    expect(failure.cause).toBe(
      'TLS handshake refused by the server (ssl/tls alert bad certificate): check KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE: the broker may require a client certificate',
    );
  });

  it('names unreachable brokers and an OAuth refusal', () => {
    expect(
      classifyConnectionFailure(
        'kafka',
        kafkajs('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED', { code: 'ECONNREFUSED' }),
      ).kind,
    ).toBe('unreachable');
    expect(
      classifyConnectionFailure(
        'kafka',
        kafkajs('OAuthTokenError', 'OAuth token endpoint refused the client credentials (HTTP 401)'),
      ).kind,
    ).toBe('authentication');
  });

  it('names PostgreSQL failures by their codes', () => {
    expect(
      classifyConnectionFailure(
        'postgres',
        Object.assign(new Error('password authentication failed for user "x"'), { code: '28P01' }),
      ),
    ).toMatchObject({
      kind: 'authentication',
      cause: expect.stringContaining('check the user and password in DATABASE_URL'),
    });
    expect(
      classifyConnectionFailure(
        'postgres',
        Object.assign(new Error("Hostname/IP does not match certificate's altnames"), {
          code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        }),
      ).kind,
    ).toBe('untrusted-certificate');
    expect(classifyConnectionFailure('postgres', new Error('The server does not support SSL connections')).kind).toBe(
      'tls-unsupported',
    );
  });

  it('keeps anything else as its message', () => {
    expect(classifyConnectionFailure('kafka', new Error('Closed connection'))).toEqual({
      dependency: 'kafka',
      kind: 'other',
      cause: 'Closed connection',
    });
  });
});
