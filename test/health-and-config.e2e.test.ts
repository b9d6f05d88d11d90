import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '@flowline/config';
import { createDataSource } from '@flowline/db';
import { Readiness } from '@flowline/runtime';
import { TcpProxy, testEnvironment } from '@flowline/testing';
import { startCluster, TestCluster } from './support/cluster';
import { eventually } from './support/eventually';

describe('health, metrics and configuration at boot', () => {
  const env = testEnvironment();
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startCluster(env);
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('is live and ready while Kafka and PostgreSQL answer', async () => {
    const live = await fetch(`${cluster.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${cluster.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, kafka: { up: true }, postgres: { up: true } });
  });

  it('serves the contract metrics in Prometheus text, with no unbounded labels', async () => {
    const response = await fetch(`${cluster.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    for (const name of [
      'flowline_events_ingested_total',
      'flowline_changes_processed_total',
      'flowline_actions_triggered_total',
      'flowline_actions_not_triggered_total',
      'flowline_deliveries_total',
      'flowline_delivery_attempt_duration_seconds',
      'flowline_retries_total',
      'flowline_dead_letters_total',
      'flowline_sequence_matches_total',
      'flowline_sequence_partial_matches',
      'flowline_end_to_end_latency_seconds',
      'flowline_consumer_lag',
      'flowline_retry_lag',
      'flowline_config_reloads_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    // Counters exist at 0 before their first increment, so rate() sees it.
    expect(text).toContain('flowline_actions_triggered_total{kind="sequence"} 0\n');
    expect(text).toContain('flowline_dead_letters_total{category="validation"} 0\n');
    expect(text).not.toMatch(/(subject|email|url)="/);
  });

  it('is not ready when Kafka and PostgreSQL cannot be reached', async () => {
    const nowhere = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const dataSource = createDataSource(loadConfig(env).DATABASE_URL.replace(/:\d+\//, ':1/'));
    const result = await new Readiness(nowhere, dataSource).check();
    expect(result).toMatchObject({ ready: false, kafka: { up: false }, postgres: { up: false } });
  });

  it('goes unready when PostgreSQL stops answering after boot, and ready again by itself', async () => {
    const database = new URL(loadConfig(env).DATABASE_URL);
    const proxy = await TcpProxy.start(database.hostname, Number(database.port || 5432));
    database.hostname = '127.0.0.1';
    database.port = String(proxy.port);
    const behindProxy = await startCluster(
      testEnvironment({ DATABASE_URL: database.toString(), FLOWLINE_HTTP_HOST: '127.0.0.1' }),
      ['ingest'],
    );
    const readiness = async () => {
      const response = await fetch(`${behindProxy.url}/health/ready`);
      return { status: response.status, body: (await response.json()) as { postgres: { up: boolean } } };
    };
    try {
      // FLOWLINE_HTTP_HOST: the server binds the loopback address only.
      const server = behindProxy.app.getHttpServer() as import('node:http').Server;
      expect(server.address()).toMatchObject({ address: '127.0.0.1' });
      expect((await readiness()).status).toBe(200);

      proxy.disconnect();
      const unready = await eventually('unready while PostgreSQL is cut off', async () => {
        const answer = await readiness();
        return answer.status === 503 ? answer : undefined;
      });
      expect(unready.body).toMatchObject({ ready: false, kafka: { up: true }, postgres: { up: false } });

      proxy.reconnect();
      const ready = await eventually('ready again once PostgreSQL answers', async () => {
        const answer = await readiness();
        return answer.status === 200 ? answer : undefined;
      });
      expect(ready.body).toMatchObject({ ready: true, postgres: { up: true } });
    } finally {
      await behindProxy.close();
      await proxy.close();
    }
  });

  it('refuses to start with invalid configuration, listing every problem', () => {
    const result = spawnSync(process.execPath, [join(__dirname, '../dist/services/cluster/src/main.js'), 'all'], {
      env: {
        PATH: process.env.PATH,
        KAFKA_BROKERS: 'no-port',
        FLOWLINE_PARTITIONS: 'zero',
        DATABASE_URL: 'mysql://db',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration');
    for (const name of ['KAFKA_BROKERS', 'FLOWLINE_PARTITIONS', 'DATABASE_URL']) expect(result.stderr).toContain(name);
  });
});
