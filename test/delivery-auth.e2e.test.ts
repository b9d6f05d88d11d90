import { SecretBox } from '@flowline/secrets';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { DLQ_HEADERS, Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, seedIntegration, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { startCluster, TestCluster } from './support/cluster';
import { openDatabase } from './support/database';

function event(tenant: string, type: string, subject: string, id: string, data: Record<string, unknown>) {
  return { id, tenant, type, subject, time: new Date().toISOString(), source: 'auth-test', data };
}

/** A real OAuth2 token endpoint that counts its requests per client. */
class TokenServer {
  readonly requests: Array<{ authorization?: string; form: URLSearchParams }> = [];
  private issued = 0;
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        this.requests.push({
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
          form,
        });
        const [clientId, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
          .toString('utf8')
          .split(':');
        if (secret !== 'client-secret') {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
          return;
        }
        this.issued += 1;
        const body: Record<string, unknown> = {
          access_token: `${clientId}-token-${this.issued}`,
          token_type: 'Bearer',
          expires_in: 3600,
        };
        if (form.get('grant_type') === 'refresh_token') body.refresh_token = `rotated-${this.issued}`;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/oauth/token`;
  }

  of(clientId: string) {
    return this.requests.filter((request) =>
      Buffer.from((request.authorization ?? '').replace(/^Basic /, ''), 'base64')
        .toString('utf8')
        .startsWith(`${clientId}:`),
    );
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('delivery auth: none, basic, api_key, bearer, oauth2', () => {
  const secretKey = `auth-${uniqueSuffix()}`.repeat(3);
  const env = testEnvironment({ FLOWLINE_SECRET_KEY: secretKey });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  const tenant = `auth-${uniqueSuffix()}`;
  const receiver = new HttpReceiver();
  const tokens = new TokenServer();
  let dataSource: DataSource;
  let cluster: TestCluster;
  /** The oauth2 authorization_code connection answers 401 to its first request. */
  let refusedOnce = false;

  const fields = [{ target: 'n', source: 'n' }];
  const seed = (type: string, auth?: { type: string } & Record<string, unknown>, headers?: Record<string, string>) =>
    seedIntegration(dataSource, {
      tenantId: tenant,
      receiverUrl: `${receiver.url}/${type}`,
      eventTypes: [type],
      fields,
      ...(headers ? { headers } : {}),
      ...(auth ? { auth: { config: auth, secretKey } } : {}),
    });

  beforeAll(async () => {
    await receiver.start();
    const tokenUrl = await tokens.start();
    dataSource = await openDatabase(env);
    await seed('none', undefined, { Authorization: 'Token static-header' });
    await seed('basic', { type: 'basic', username: 'ada', password: 'pass-word' }, { Authorization: 'Token ignored' });
    await seed('api_key', { type: 'api_key', header: 'X-API-Key', key: 'key-123' });
    await seed('bearer', { type: 'bearer', token: 'bearer-token' });
    await seed('cc', {
      type: 'oauth2',
      grant_type: 'client_credentials',
      client_id: 'cc-client',
      client_secret: 'client-secret',
      token_url: tokenUrl,
    });
    await seed('code', {
      type: 'oauth2',
      grant_type: 'authorization_code',
      client_id: 'code-client',
      client_secret: 'client-secret',
      token_url: tokenUrl,
      refresh_token: 'initial-refresh',
    });
    await seed('bad-client', {
      type: 'oauth2',
      grant_type: 'client_credentials',
      client_id: 'bad-client',
      client_secret: 'wrong-secret',
      token_url: tokenUrl,
    });
    await seedIntegration(dataSource, {
      tenantId: tenant,
      receiverUrl: `${receiver.url}/unopenable`,
      eventTypes: ['unopenable'],
      fields,
      auth: {
        config: { type: 'bearer', token: 'sealed-elsewhere' },
        secretKey: `other-key-${uniqueSuffix()}`.repeat(2),
      },
    });
    receiver.responder = (request) => {
      if (request.path === '/code' && !refusedOnce) {
        refusedOnce = true;
        return { status: 401 };
      }
      return { status: 200 };
    };
    cluster = await startCluster(env);
  });

  afterAll(async () => {
    await cluster?.close();
    await dataSource?.destroy();
    await kafka.close();
    await receiver.stop();
    await tokens.stop();
  });

  const produce = (type: string, count: number) =>
    kafka.produceJson(
      topics.of(Topic.Ingest),
      Array.from({ length: count }, (_, n) => ({
        key: `${tenant}:${type}-${n % 50}`,
        value: event(tenant, type, `${type}-${n % 50}`, `${type}-${n}-${uniqueSuffix()}`, { n }),
      })),
    );
  const at = (path: string) => receiver.requests.filter((request) => request.path === path);

  it('sends each static auth type as its headers; auth wins over a static Authorization, none sends it', async () => {
    const before = receiver.requests.length;
    for (const type of ['none', 'basic', 'api_key', 'bearer']) await produce(type, 1);
    await receiver.waitForCount(before + 4);
    expect(at('/none')[0]!.headers.authorization).toBe('Token static-header');
    expect(at('/basic')[0]!.headers.authorization).toBe(`Basic ${Buffer.from('ada:pass-word').toString('base64')}`);
    expect(at('/api_key')[0]!.headers['x-api-key']).toBe('key-123');
    expect(at('/api_key')[0]!.headers.authorization).toBeUndefined();
    expect(at('/bearer')[0]!.headers.authorization).toBe('Bearer bearer-token');
  });

  it('makes one token request for 1,000 client-credentials deliveries within one token lifetime', async () => {
    const before = receiver.requests.length;
    await produce('cc', 1000);
    await receiver.waitForCount(before + 1000, 120_000);
    const delivered = at('/cc');
    expect(delivered).toHaveLength(1000);
    expect(new Set(delivered.map((request) => request.headers.authorization))).toEqual(
      new Set([expect.stringMatching(/^Bearer cc-client-token-\d+$/)]),
    );
    expect(tokens.of('cc-client')).toHaveLength(1);
    expect(tokens.of('cc-client')[0]!.form.get('grant_type')).toBe('client_credentials');
  });

  it('refreshes the token once and redelivers once when the receiver answers 401 (authorization_code)', async () => {
    const before = receiver.requests.length;
    await produce('code', 1);
    await receiver.waitForCount(before + 2);
    const [refused, redelivered] = at('/code');
    expect(refused!.headers.authorization).not.toBe(redelivered!.headers.authorization);
    expect(redelivered!.headers['webhook-id']).toBe(refused!.headers['webhook-id']);
    const grants = tokens.of('code-client').map((request) => Object.fromEntries(request.form));
    expect(grants).toEqual([
      { grant_type: 'refresh_token', refresh_token: 'initial-refresh' },
      // The rotated refresh token is the one used next.
      { grant_type: 'refresh_token', refresh_token: expect.stringMatching(/^rotated-\d+$/) },
    ]);
    // Both requests are logged, within one attempt: the refused one, then the redelivery.
    const deadline = Date.now() + 10_000;
    let rows: Array<{ status_code: number; error: string | null }> = [];
    while (rows.length < 2 && Date.now() < deadline) {
      rows = await dataSource.query(
        `SELECT status_code, error FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id`,
        [redelivered!.headers['webhook-id']],
      );
      if (rows.length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(rows).toEqual([
      { status_code: 401, error: 'HTTP 401: access token refused, sent again with a new one' },
      { status_code: 200, error: null },
    ]);
    // Later deliveries use the new token: no further token request.
    await produce('code', 3);
    await receiver.waitForCount(before + 5);
    expect(tokens.of('code-client')).toHaveLength(2);
    // The rotated refresh token is stored on the connection, sealed: a restart uses it.
    const usedRotation = Number(/\d+$/.exec(String(grants[1]!.refresh_token))![0]);
    const [row] = await dataSource.query<Array<{ refresh_token: string }>>(
      `SELECT auth->>'refresh_token' AS refresh_token FROM connections WHERE tenant_id = $1 AND url LIKE '%/code'`,
      [tenant],
    );
    expect(row!.refresh_token).not.toMatch(/rotated/);
    // The one the second token request rotated to (after the one it used), as the next would use.
    const storedRotation = /^rotated-(\d+)$/.exec(new SecretBox(secretKey).open(row!.refresh_token));
    expect(Number(storedRotation?.[1])).toBeGreaterThan(usedRotation);
  });

  it('dead-letters deliveries whose token endpoint refuses the client, with category config, naming no secret', async () => {
    await produce('bad-client', 1);
    const dead = await kafka.collect(topics.of(Topic.DeliveriesDlq), 1, 60_000);
    const record = dead.find((one) => String(one.headers[DLQ_HEADERS.error]).startsWith('token endpoint'));
    expect(record).toBeDefined();
    expect(record!.headers[DLQ_HEADERS.category]).toBe('config');
    expect(record!.headers[DLQ_HEADERS.error]).toBe('token endpoint: HTTP 401 (invalid_client)');
    expect(at('/bad-client')).toHaveLength(0);
  });

  it('dead-letters deliveries whose auth secret cannot be opened, with category config', async () => {
    await produce('unopenable', 1);
    const dead = await kafka.collect(topics.of(Topic.DeliveriesDlq), 2, 60_000);
    const record = dead.find((one) => String(one.headers[DLQ_HEADERS.error]).includes('its auth token'));
    expect(record).toBeDefined();
    expect(record!.headers[DLQ_HEADERS.category]).toBe('config');
    expect(record!.headers[DLQ_HEADERS.error]).toMatch(
      /^connection [0-9a-f-]+: its auth token cannot be opened with FLOWLINE_SECRET_KEY or FLOWLINE_SECRET_KEY_PREVIOUS$/,
    );
    expect(at('/unopenable')).toHaveLength(0);
    expect(cluster.crashes).toEqual([]);
  });
});
