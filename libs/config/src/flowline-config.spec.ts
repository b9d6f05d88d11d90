import { ConfigValidationError, describeConfig, loadConfig } from './flowline-config';

describe('loadConfig', () => {
  it('takes the documented defaults from an empty environment', () => {
    const config = loadConfig({});
    expect(config.KAFKA_BROKERS).toEqual(['localhost:9092']);
    expect(config.FLOWLINE_TOPIC_PREFIX).toBe('flowline.');
    expect(config.FLOWLINE_PARTITIONS).toBe(12);
    expect(config.FLOWLINE_ALLOW_PRIVATE_TARGETS).toEqual([]);
    expect(config.FLOWLINE_ADMIN_TOKEN).toBeUndefined();
  });

  it('parses lists, numbers and booleans', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'a:9092, b:9093',
      FLOWLINE_PARTITIONS: '24',
      FLOWLINE_CREATE_TOPICS: 'false',
      FLOWLINE_ALLOW_PRIVATE_TARGETS: '10.0.0.0/8,receiver.internal',
    });
    expect(config.KAFKA_BROKERS).toEqual(['a:9092', 'b:9093']);
    expect(config.FLOWLINE_PARTITIONS).toBe(24);
    expect(config.FLOWLINE_CREATE_TOPICS).toBe(false);
    expect(config.FLOWLINE_ALLOW_PRIVATE_TARGETS).toEqual(['10.0.0.0/8', 'receiver.internal']);
  });

  it('refuses to start listing every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({
        KAFKA_BROKERS: 'nohostport',
        DATABASE_URL: 'mysql://x',
        FLOWLINE_PARTITIONS: 'many',
        PORT: '70000',
        SMTP_URL: 'http://x',
        FLOWLINE_HTTP_HOST: 'all-interfaces',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const problems = (error as ConfigValidationError).problems.join('\n');
    for (const name of [
      'KAFKA_BROKERS',
      'DATABASE_URL',
      'FLOWLINE_PARTITIONS',
      'PORT',
      'SMTP_URL',
      'FLOWLINE_HTTP_HOST',
    ])
      expect(problems).toContain(name);
  });

  it('binds the HTTP server to every interface unless told an address', () => {
    expect(loadConfig({}).FLOWLINE_HTTP_HOST).toBe('0.0.0.0');
    expect(loadConfig({ FLOWLINE_HTTP_HOST: '127.0.0.1' }).FLOWLINE_HTTP_HOST).toBe('127.0.0.1');
    expect(loadConfig({ FLOWLINE_HTTP_HOST: '::' }).FLOWLINE_HTTP_HOST).toBe('::');
  });

  it('bounds request bodies, POST /events with room for at least one event of the largest size', () => {
    expect(loadConfig({})).toMatchObject({
      FLOWLINE_MAX_REQUEST_BYTES: 2 * 1024 * 1024,
      FLOWLINE_MAX_EVENTS_REQUEST_BYTES: 32 * 1024 * 1024,
    });
    expect(
      loadConfig({ FLOWLINE_MAX_EVENTS_REQUEST_BYTES: '2097152', FLOWLINE_MAX_EVENT_BYTES: '2097152' }),
    ).toMatchObject({ FLOWLINE_MAX_EVENTS_REQUEST_BYTES: 2097152 });
    expect(() => loadConfig({ FLOWLINE_MAX_EVENTS_REQUEST_BYTES: '1048575' })).toThrow(
      /FLOWLINE_MAX_EVENTS_REQUEST_BYTES must be at least FLOWLINE_MAX_EVENT_BYTES/,
    );
    expect(() => loadConfig({ FLOWLINE_MAX_REQUEST_BYTES: '1kb' })).toThrow(/FLOWLINE_MAX_REQUEST_BYTES/);
    expect(() => loadConfig({ FLOWLINE_MAX_REQUEST_BYTES: '1024' })).toThrow(/FLOWLINE_MAX_REQUEST_BYTES/);
  });

  it('takes the sender of emails as an address, with or without a display name', () => {
    expect(loadConfig({}).FLOWLINE_EMAIL_FROM).toBe('Flowline <flowline@localhost>');
    expect(loadConfig({ FLOWLINE_EMAIL_FROM: 'alerts@example.com' }).FLOWLINE_EMAIL_FROM).toBe('alerts@example.com');
    expect(loadConfig({ FLOWLINE_EMAIL_FROM: '"Ops, EU" <ops@example.eu>' }).FLOWLINE_EMAIL_FROM).toBe(
      '"Ops, EU" <ops@example.eu>',
    );
    for (const bad of ['flowline', 'Flowline <flowline>', 'a@b\nBcc: x@y', 'two words@example.com'])
      expect(() => loadConfig({ FLOWLINE_EMAIL_FROM: bad })).toThrow(/FLOWLINE_EMAIL_FROM/);
  });

  it('keeps the event size limit within what the topics can carry further on (at most 4 MiB)', () => {
    expect(loadConfig({ FLOWLINE_MAX_EVENT_BYTES: String(4 * 1024 * 1024) }).FLOWLINE_MAX_EVENT_BYTES).toBe(4194304);
    expect(() => loadConfig({ FLOWLINE_MAX_EVENT_BYTES: String(4 * 1024 * 1024 + 1) })).toThrow(
      /FLOWLINE_MAX_EVENT_BYTES/,
    );
  });

  it('never describes a secret by its value', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:hunter2@db/flowline',
      FLOWLINE_SECRET_KEY: 'k'.repeat(40),
      FLOWLINE_ADMIN_TOKEN: 'admin-token-123456',
    });
    const described = JSON.stringify(describeConfig(config));
    expect(described).not.toContain('hunter2');
    expect(described).not.toContain('kkkk');
    expect(described).not.toContain('admin-token');
    expect(describeConfig(config).FLOWLINE_SECRET_KEY).toBe('set');
  });
});
