import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { DLQ_HEADERS, Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, seedIntegration, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { startCluster, TestCluster } from './support/cluster';
import { openDatabase } from './support/database';

/** An event of `type` for `subject` carrying `data`. */
function event(tenant: string, type: string, subject: string, id: string, data: Record<string, unknown>) {
  return { id, tenant, type, subject, time: new Date().toISOString(), source: 'security-test', data };
}

/**
 * A real HTTP server on 127.0.0.1 that counts TCP connections, not only requests: a target the
 * SSRF guard refuses must not even be connected to.
 */
class CountingServer {
  connections = 0;
  requests = 0;
  private server: Server | undefined;

  async start(): Promise<number> {
    this.server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        this.requests += 1;
        response.writeHead(200).end('{}');
      });
    });
    this.server.on('connection', () => {
      this.connections += 1;
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const TARGET_FIELDS = [{ target: 'probe', source: '$subject' }];

describe('delivery security: Standard Webhooks signatures and the SSRF guard', () => {
  const kafka = new KafkaTestClient(loadConfig(testEnvironment()).KAFKA_BROKERS);
  const target = new CountingServer();
  const ssrfTenant = `ssrf-${uniqueSuffix()}`;
  let port: number;
  let dataSource: DataSource;
  /** Each address form, its own flow (event type) and connection. */
  let probes: Array<{ url: string; type: string; allowedLater: boolean }>;

  beforeAll(async () => {
    port = await target.start();
    dataSource = await openDatabase(testEnvironment());
    const forms: Array<[string, boolean]> = [
      ['127.0.0.1', true],
      ['127.0.0.2', false], // nothing listens there: refused in the first cluster all the same
      ['[::ffff:127.0.0.1]', true],
      ['[::ffff:7f00:1]', true],
      ['2130706433', true],
      ['0x7f000001', true],
      ['0177.0.0.1', true],
      ['127.1', true],
      ['localhost', true],
      ['0.0.0.0', true],
      ['[::1]', false],
      ['[::]', false],
      ['10.0.0.1', false],
      ['172.16.0.1', false],
      ['192.168.0.1', false],
      ['100.64.0.1', false],
      ['169.254.169.254', false],
      ['[fe80::1]', false],
      ['[fd00:ec2::254]', false],
      ['[::ffff:169.254.169.254]', false],
    ];
    probes = [];
    for (const [index, [host, allowedLater]] of forms.entries()) {
      const type = `probe.${index}`;
      const url = `http://${host}:${port}/hook/${index}`;
      await seedIntegration(dataSource, {
        tenantId: ssrfTenant,
        receiverUrl: url,
        eventTypes: [type],
        fields: TARGET_FIELDS,
      });
      probes.push({ url, type, allowedLater });
    }
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await kafka.close();
    await target.stop();
  });

  const produceProbes = (topics: TopicNames, only: (probe: { allowedLater: boolean }) => boolean) =>
    kafka.produceJson(
      topics.of(Topic.Ingest),
      probes.filter(only).map((probe) => ({
        key: `${ssrfTenant}:${probe.type}`,
        value: event(ssrfTenant, probe.type, probe.type, `${probe.type}-${uniqueSuffix()}`, {}),
      })),
    );

  describe('with FLOWLINE_ALLOW_PRIVATE_TARGETS empty', () => {
    const env = testEnvironment({ FLOWLINE_ALLOW_PRIVATE_TARGETS: '' });
    const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
    let cluster: TestCluster;

    beforeAll(async () => {
      cluster = await startCluster(env);
    });

    afterAll(async () => {
      await cluster?.close();
    });

    it('refuses every forbidden address form: dead-lettered with category config, no connection made', async () => {
      await produceProbes(topics, () => true);
      const dead = await kafka.collect(topics.of(Topic.DeliveriesDlq), probes.length, 90_000);
      expect(dead).toHaveLength(probes.length);
      for (const record of dead) {
        expect(record.headers[DLQ_HEADERS.category]).toBe('config');
        expect(record.headers[DLQ_HEADERS.attempts]).toBe('1');
        expect(record.headers[DLQ_HEADERS.error]).toMatch(
          /^target \S+ (is|resolves to) an? (loopback|private|link-local|carrier-grade NAT|cloud metadata|unspecified)( \(IPv4 in IPv6\))? address: allow it with FLOWLINE_ALLOW_PRIVATE_TARGETS$/,
        );
      }
      // Every probe is its own flow; each one's delivery was refused once.
      const refused = await dataSource.query(
        `SELECT count(DISTINCT connection_id)::int AS connections, count(*) FILTER (WHERE status = 'failed')::int AS failed
           FROM deliveries WHERE tenant_id = $1`,
        [ssrfTenant],
      );
      expect(refused[0]).toEqual({ connections: probes.length, failed: probes.length });
      expect(target.connections).toBe(0);
      expect(target.requests).toBe(0);
    });
  });

  describe('with loopback allow-listed, and signing secrets', () => {
    const secretKey = `security-${uniqueSuffix()}`.repeat(3);
    const env = testEnvironment({
      FLOWLINE_SECRET_KEY: secretKey,
      FLOWLINE_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8,::1,0.0.0.0/32',
    });
    const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
    const tenant = `signed-${uniqueSuffix()}`;
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const receiver = new HttpReceiver();
    let cluster: TestCluster;
    let unopenable: { flowId: string };

    beforeAll(async () => {
      await receiver.start();
      await seedIntegration(dataSource, {
        tenantId: tenant,
        receiverUrl: `${receiver.url}/signed`,
        eventTypes: ['payload.random'],
        fields: [
          { target: 'n', source: 'n' },
          { target: 'payload', source: 'payload' },
        ],
        signingSecret: { secret, secretKey },
      });
      // Sealed with a key this cluster does not have: its deliveries cannot be signed.
      unopenable = await seedIntegration(dataSource, {
        tenantId: tenant,
        receiverUrl: `${receiver.url}/unopenable`,
        eventTypes: ['payload.unopenable'],
        fields: [{ target: 'n', source: 'n' }],
        signingSecret: { secret, secretKey: `some-other-key-${uniqueSuffix()}`.repeat(2) },
      });
      cluster = await startCluster(env);
    });

    afterAll(async () => {
      await cluster?.close();
      await receiver.stop();
    });

    it('signs 1,000 deliveries of random JSON so standardwebhooks verifies each, one webhook-id per retry', async () => {
      const payloads = fc.sample(fc.jsonValue({ maxDepth: 3 }), { numRuns: 1000, seed: 5 });
      // The very first request fails: the dispatcher retries it, with the same webhook-id.
      receiver.responder = (_request, index) => ({ status: index === 0 ? 503 : 200 });
      await kafka.produceJson(
        topics.of(Topic.Ingest),
        payloads.map((payload, n) => ({
          key: `${tenant}:subject-${n % 40}`,
          value: event(tenant, 'payload.random', `subject-${n % 40}`, `random-${n}`, { n, payload }),
        })),
      );
      await receiver.waitForCount(1001, 120_000);

      const verifier = new Webhook(secret);
      const delivered = new Set<number>();
      for (const request of receiver.requests) {
        expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
        const body = verifier.verify(request.body, request.headers as Record<string, string>) as { n: number };
        delivered.add(body.n);
      }
      expect(delivered.size).toBe(1000);
      expect(receiver.requests).toHaveLength(1001);
      const [failed, ...rest] = receiver.requests;
      const retried = rest.filter((request) => request.headers['webhook-id'] === failed!.headers['webhook-id']);
      expect(retried).toHaveLength(1);
      expect(retried[0]!.body).toBe(failed!.body);
      expect(Number(retried[0]!.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(
        Number(failed!.headers['webhook-timestamp']),
      );
      expect(new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size).toBe(1000);
      // A forged signature or a changed body does not verify.
      expect(() => verifier.verify(`${failed!.body} `, failed!.headers as Record<string, string>)).toThrow();
    });

    it('dead-letters deliveries whose signing secret cannot be opened, with category config, naming no secret', async () => {
      const before = receiver.requests.length;
      await kafka.produceJson(topics.of(Topic.Ingest), [
        {
          key: `${tenant}:unopenable`,
          value: event(tenant, 'payload.unopenable', 'unopenable', 'unopenable-1', { n: 1 }),
        },
      ]);
      const [dead] = await kafka.collect(topics.of(Topic.DeliveriesDlq), 1);
      expect(dead!.headers[DLQ_HEADERS.category]).toBe('config');
      expect(dead!.headers[DLQ_HEADERS.error]).toMatch(
        /^connection [0-9a-f-]+: its signing secret cannot be opened with FLOWLINE_SECRET_KEY or FLOWLINE_SECRET_KEY_PREVIOUS$/,
      );
      expect(dead!.headers[DLQ_HEADERS.error]).not.toContain(secret.slice(6, 20));
      expect(JSON.parse(dead!.value!.toString()).flowId).toBe(unopenable.flowId);
      expect(receiver.requests.slice(before).filter((request) => request.path === '/unopenable')).toHaveLength(0);
    });

    it('delivers to the same address forms once they are allow-listed', async () => {
      const allowed = probes.filter((probe) => probe.allowedLater);
      await produceProbes(topics, (probe) => probe.allowedLater);
      const deadline = Date.now() + 60_000;
      while (target.requests < allowed.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(target.requests).toBe(allowed.length);
      expect(target.connections).toBeGreaterThan(0);
    });
  });
});
