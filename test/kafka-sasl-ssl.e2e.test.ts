import { createServer } from 'node:net';
import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { kafkaSecurity } from '@flowline/kafka';
import { HttpReceiver, KafkaTestClient, seedIntegration, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { startCluster, TestCluster } from './support/cluster';
import { ClusterProcess } from './support/cluster-process';
import { openDatabase } from './support/database';
import { eventually } from './support/eventually';
import { expectedRegistrationBody, REGISTRATION_FIELDS, registrationEvent } from './support/events';
import { localPostgresCaFile, postgresUrlWith, secureKafkaEnv } from './support/local-tls';

/**
 * The pipeline against the local SASL_SSL broker (`kafka.sh start secure`: TLS with a client
 * certificate required, SCRAM-SHA-512) and PostgreSQL over verify-full TLS; and what an operator
 * sees when the password or the CA is wrong.
 */
describe('Flowline over SASL_SSL (SCRAM-SHA-512, mutual TLS)', () => {
  const secure = secureKafkaEnv();
  const databaseUrl = postgresUrlWith(
    loadConfig().DATABASE_URL,
    { sslmode: 'verify-full', sslrootcert: localPostgresCaFile() },
    'localhost',
  );

  describe('with the right credentials', () => {
    const env = testEnvironment({ ...secure, DATABASE_URL: databaseUrl });
    const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
    const tenant = `tenant-${uniqueSuffix()}`;
    const receiver = new HttpReceiver();
    const config = loadConfig(env);
    const kafka = new KafkaTestClient(config.KAFKA_BROKERS, kafkaSecurity(config));
    let cluster: TestCluster;

    beforeAll(async () => {
      await receiver.start();
      const dataSource = await openDatabase(env);
      await seedIntegration(dataSource, {
        tenantId: tenant,
        receiverUrl: `${receiver.url}/hooks/crm`,
        eventTypes: ['registration.created'],
        fields: REGISTRATION_FIELDS,
      });
      await dataSource.destroy();
      cluster = await startCluster(env);
    });

    afterAll(async () => {
      await cluster?.close();
      await kafka.close();
      await receiver.stop();
    });

    it('delivers events produced over SASL_SSL as webhooks, in order, and is ready', async () => {
      const events = [1, 2, 3, 4, 5].flatMap((sequence) =>
        ['lead-a', 'lead-b'].map((subject) => registrationEvent(tenant, subject, sequence)),
      );
      await kafka.produceJson(
        topics.of(Topic.Ingest),
        events.map((event) => ({ key: `${tenant}:${event.subject}`, value: event })),
      );
      await receiver.waitForCount(events.length, 60_000);

      const bodies = receiver.bodies<ReturnType<typeof expectedRegistrationBody>>();
      for (const subject of ['lead-a', 'lead-b'])
        expect(bodies.filter((body) => body.lead === subject)).toEqual(
          [1, 2, 3, 4, 5].map((sequence) => expectedRegistrationBody(subject, sequence)),
        );
      const ready = await fetch(`${cluster.url}/health/ready`);
      expect(ready.status).toBe(200);
    });
  });

  describe('with a wrong setting, the process waits unready instead of crash-looping', () => {
    const processes: ClusterProcess[] = [];

    afterAll(async () => {
      await Promise.all(processes.map((process) => process.stop('SIGKILL')));
    });

    /** Boots the cluster process with `overrides`, until it retried opening Kafka at least twice. */
    async function bootRefused(overrides: Record<string, string>) {
      const port = await freePort();
      const env = testEnvironment({ ...secure, DATABASE_URL: databaseUrl, ...overrides, PORT: String(port) });
      const cluster = new ClusterProcess(env, 'ingest', 'debug');
      processes.push(cluster);
      cluster.spawn();
      const lines = () =>
        cluster.logLines
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown> & { level: string; msg: string });
      const refusals = () => lines().filter((line) => line.msg === 'cannot open kafka: not ready, retrying');
      await eventually('three attempts to open Kafka', () => (refusals().length >= 3 ? true : undefined), 30_000);
      const url = `http://127.0.0.1:${port}`;
      return { cluster, url, lines, refusals };
    }

    it('names a wrong password in one log line, answers unready, and stops cleanly', async () => {
      const wrongPassword = `wrong-${uniqueSuffix()}`;
      const { cluster, url, lines, refusals } = await bootRefused({ KAFKA_SASL_PASSWORD: wrongPassword });

      const errors = lines().filter((line) => line.level === 'error' || line.level === 'fatal');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        msg: 'cannot open kafka: not ready, retrying',
        dependency: 'kafka',
        kind: 'authentication',
        cause: expect.stringMatching(
          /^authentication failed \(SASL SCRAM SHA512 authentication failed: .*invalid credentials.*\): check KAFKA_SASL_MECHANISM/,
        ),
      });
      // Later attempts with the same cause are debug lines, not errors; nothing printed a stack.
      expect(
        refusals()
          .slice(1)
          .every((line) => line.level === 'debug'),
      ).toBe(true);
      const all = cluster.logLines.join('\n');
      expect(all).not.toContain(wrongPassword);
      expect(all).not.toContain(secure.KAFKA_SASL_PASSWORD);
      expect(all).not.toMatch(/"stack"|\n\s+at /);

      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        ready: false,
        kafka: { up: false, detail: expect.stringMatching(/^authentication failed/) },
        postgres: { up: true },
      });

      expect(cluster.running).toBe(true);
      await expect(cluster.stop('SIGTERM')).resolves.toEqual({ code: 0, signal: null });
    });

    it('names a broker certificate the CA file does not vouch for', async () => {
      // PostgreSQL's local CA did not sign the broker's certificate.
      const { cluster, lines } = await bootRefused({ KAFKA_SSL_CA_FILE: localPostgresCaFile() });
      const errors = lines().filter((line) => line.level === 'error' || line.level === 'fatal');
      expect(errors).toEqual([
        expect.objectContaining({
          dependency: 'kafka',
          kind: 'untrusted-certificate',
          cause: expect.stringMatching(/^certificate not trusted, \w+ .*: check KAFKA_SSL_CA_FILE/),
        }),
      ]);
      expect(cluster.running).toBe(true);
      await expect(cluster.stop('SIGTERM')).resolves.toEqual({ code: 0, signal: null });
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
