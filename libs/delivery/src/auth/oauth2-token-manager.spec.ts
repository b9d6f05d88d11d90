import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { DeliveryV1 } from '@flowline/contracts';
import { HttpReceiver } from '@flowline/testing';
import { classifyOutcome } from '../classify-outcome';
import { ConnectionSettings } from '../connection-settings';
import { TargetAllowList } from '../target-guard';
import { WebhookSender } from '../webhook-sender';
import { AuthenticatedSender } from './authenticated-sender';
import { OAuth2Auth } from './delivery-auth';
import { OAuth2TokenManager, TokenAnswer } from './oauth2-token-manager';

interface TokenRequest {
  headers: IncomingHttpHeaders;
  form: URLSearchParams;
}

/** A real OAuth2 token endpoint on loopback that counts requests and answers as told. */
class TokenServer {
  readonly requests: TokenRequest[] = [];
  answer: (request: TokenRequest, index: number) => { status: number; body: unknown; delayMs?: number } = (_r, n) => ({
    status: 200,
    body: { access_token: `at-${n + 1}`, token_type: 'Bearer', expires_in: 3600 },
  });
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = { headers: req.headers, form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) };
        const index = this.requests.length;
        this.requests.push(request);
        const { status, body, delayMs } = this.answer(request, index);
        setTimeout(
          () => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
          delayMs ?? 0,
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/token`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

const ALLOW_LOOPBACK = TargetAllowList.parse(['127.0.0.0/8']);
const failure = (answer: TokenAnswer) => {
  if (answer.ok) throw new Error('a token, where a failure was expected');
  return answer.result;
};
const token = (answer: TokenAnswer): string => {
  if (!answer.ok) throw new Error(`no token: ${JSON.stringify(answer.result)}`);
  return answer.token;
};

describe('OAuth2TokenManager against a real token endpoint', () => {
  const server = new TokenServer();
  const sender = new WebhookSender({ allowPrivateTargets: ALLOW_LOOPBACK });
  let clock = 1_000_000;
  let tokens: OAuth2TokenManager;
  let auth: OAuth2Auth;

  beforeAll(async () => {
    const tokenUrl = await server.start();
    auth = {
      type: 'oauth2',
      grantType: 'client_credentials',
      clientId: 'client 1',
      clientSecret: 's3cr:et',
      tokenUrl,
      scope: 'deliveries',
    };
  });
  beforeEach(() => {
    server.requests.length = 0;
    server.answer = (_r, n) => ({
      status: 200,
      body: { access_token: `at-${n + 1}`, token_type: 'Bearer', expires_in: 3600 },
    });
    tokens = new OAuth2TokenManager({ dispatcher: sender.dispatcher, now: () => clock });
  });
  afterAll(async () => {
    await server.stop();
    await sender.close();
  });

  it('asks with client_credentials and HTTP Basic client authentication, form-encoded', async () => {
    expect(token(await tokens.accessToken('c1', auth))).toBe('at-1');
    const [request] = server.requests;
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from('client+1:s3cr%3Aet').toString('base64')}`);
    expect(Object.fromEntries(request!.form)).toEqual({ grant_type: 'client_credentials', scope: 'deliveries' });
  });

  it('caches the token until shortly before expiry (30 s margin, or 10 % of short lifetimes)', async () => {
    expect(token(await tokens.accessToken('c1', auth))).toBe('at-1');
    clock += 3600_000 - 30_001;
    expect(token(await tokens.accessToken('c1', auth))).toBe('at-1');
    expect(server.requests).toHaveLength(1);
    clock += 2;
    expect(token(await tokens.accessToken('c1', auth))).toBe('at-2');
    expect(server.requests).toHaveLength(2);

    server.answer = () => ({ status: 200, body: { access_token: 'short', expires_in: 60 } });
    const other = { ...auth, clientId: 'other' };
    await tokens.accessToken('c2', other);
    clock += 53_999;
    expect(token(await tokens.accessToken('c2', other))).toBe('short');
    clock += 2;
    await tokens.accessToken('c2', other);
    expect(server.requests).toHaveLength(4);
  });

  it('makes one token request for 100 concurrent callers (single flight)', async () => {
    server.answer = () => ({ status: 200, body: { access_token: 'shared', expires_in: 3600 }, delayMs: 100 });
    const answers = await Promise.all(Array.from({ length: 100 }, () => tokens.accessToken('c1', auth)));
    expect(answers.map(token)).toEqual(Array(100).fill('shared'));
    expect(server.requests).toHaveLength(1);
  });

  it('invalidates a refused token, and only that one', async () => {
    const first = token(await tokens.accessToken('c1', auth));
    tokens.invalidate('c1', 'some-older-token');
    expect(token(await tokens.accessToken('c1', auth))).toBe(first);
    tokens.invalidate('c1', first);
    expect(token(await tokens.accessToken('c1', auth))).toBe('at-2');
  });

  it('falls back to client_secret_post when HTTP Basic is refused, and keeps it', async () => {
    server.answer = (request, n) =>
      request.headers.authorization
        ? { status: 401, body: { error: 'invalid_client' } }
        : { status: 200, body: { access_token: `posted-${n}`, expires_in: 1 } };
    expect(token(await tokens.accessToken('c1', auth))).toBe('posted-1');
    expect(server.requests[1]!.form.get('client_id')).toBe('client 1');
    expect(server.requests[1]!.form.get('client_secret')).toBe('s3cr:et');
    clock += 10_000;
    expect(token(await tokens.accessToken('c1', auth))).toBe('posted-2');
    expect(server.requests).toHaveLength(3);
  });

  it('answers a token endpoint 400 as a permanent config failure naming no secret', async () => {
    server.answer = () => ({ status: 400, body: { error: 'invalid_grant', error_description: 's3cr:et is wrong' } });
    const answer = await tokens.accessToken('c1', { ...auth, clientAuthentication: 'client_secret_post' });
    expect(answer.ok).toBe(false);
    const outcome = classifyOutcome(failure(answer), clock);
    expect(outcome).toEqual({
      kind: 'permanent',
      category: 'config',
      pauseConnection: false,
      reason: 'token endpoint: HTTP 400 (invalid_grant)',
    });
    expect(JSON.stringify(answer)).not.toContain('s3cr');
    // Failures are not cached: the next caller asks again.
    await tokens.accessToken('c1', { ...auth, clientAuthentication: 'client_secret_post' });
    expect(server.requests).toHaveLength(2);
  });

  it('answers a token endpoint 500 as a retriable system failure, and a dead one as connection', async () => {
    server.answer = () => ({ status: 503, body: {} });
    const answer = await tokens.accessToken('c1', auth);
    expect(answer.ok).toBe(false);
    expect(classifyOutcome(failure(answer), clock)).toMatchObject({
      kind: 'retry',
      category: 'system',
      reason: 'token endpoint: HTTP 503 (no OAuth2 error code)',
    });
    const dead = await tokens.accessToken('c3', { ...auth, tokenUrl: 'http://127.0.0.1:1/token' });
    expect(classifyOutcome(failure(dead), clock)).toMatchObject({
      kind: 'retry',
      category: 'connection',
    });
  });

  it('times out a stalled token endpoint as a retriable connection failure', async () => {
    const quick = new OAuth2TokenManager({ dispatcher: sender.dispatcher, timeoutMs: 200 });
    server.answer = () => ({ status: 200, body: { access_token: 'late' }, delayMs: 1000 });
    const answer = await quick.accessToken('c1', auth);
    expect(classifyOutcome(failure(answer), clock)).toMatchObject({
      kind: 'retry',
      category: 'connection',
      reason: expect.stringMatching(/^token endpoint: timeout/),
    });
  });

  it('passes token URLs through the SSRF guard', async () => {
    const guarded = new WebhookSender();
    try {
      const strict = new OAuth2TokenManager({ dispatcher: guarded.dispatcher });
      const answer = await strict.accessToken('c1', auth);
      expect(classifyOutcome(failure(answer), clock)).toMatchObject({
        kind: 'permanent',
        category: 'config',
      });
      expect(server.requests).toHaveLength(0);
    } finally {
      await guarded.close();
    }
  });

  it('uses the refresh_token grant for authorization_code and keeps a rotated refresh token', async () => {
    const code: OAuth2Auth = { ...auth, grantType: 'authorization_code', refreshToken: 'rt-0' };
    server.answer = (request, n) => ({
      status: 200,
      body: { access_token: `at-${n + 1}`, expires_in: 100, refresh_token: `rt-${n + 1}` },
    });
    await tokens.accessToken('c1', code);
    clock += 100_000;
    await tokens.accessToken('c1', code);
    expect(server.requests.map((request) => Object.fromEntries(request.form))).toEqual([
      { grant_type: 'refresh_token', refresh_token: 'rt-0', scope: 'deliveries' },
      { grant_type: 'refresh_token', refresh_token: 'rt-1', scope: 'deliveries' },
    ]);
  });

  it('refreshes with the refresh token stored now, which another replica may have rotated to', async () => {
    let stored: string | undefined;
    tokens = new OAuth2TokenManager({
      dispatcher: sender.dispatcher,
      now: () => clock,
      storedRefreshToken: () => Promise.resolve(stored),
    });
    server.answer = (_request, n) => ({
      status: 200,
      body: { access_token: `at-${n + 1}`, expires_in: 100, refresh_token: `rt-mine-${n + 1}` },
    });
    const code: OAuth2Auth = { ...auth, grantType: 'authorization_code', refreshToken: 'rt-0' };
    await tokens.accessToken('c1', code);
    // Another dispatcher refreshed meanwhile and stored its rotation; these settings are older.
    stored = 'rt-other';
    clock += 100_000;
    await tokens.accessToken('c1', code);
    // Nothing stored: the one in force is kept.
    stored = undefined;
    clock += 100_000;
    await tokens.accessToken('c1', code);
    // Its own rotation was not stored (a database error): the spent one stored is not used again.
    stored = 'rt-other';
    clock += 100_000;
    await tokens.accessToken('c1', code);
    expect(server.requests.map((request) => request.form.get('refresh_token'))).toEqual([
      'rt-0',
      'rt-other',
      'rt-mine-2',
      'rt-mine-3',
    ]);
  });

  it('hands a rotated refresh token over to be stored; settings carrying it back keep the cached token', async () => {
    const stored: string[] = [];
    tokens = new OAuth2TokenManager({
      dispatcher: sender.dispatcher,
      now: () => clock,
      onRefreshTokenRotated: (key, refreshToken) => {
        stored.push(`${key}=${refreshToken}`);
        return Promise.resolve();
      },
    });
    server.answer = (_request, n) => ({
      status: 200,
      body: { access_token: `at-${n + 1}`, expires_in: 3600, refresh_token: `rt-${n + 1}` },
    });
    const code: OAuth2Auth = { ...auth, grantType: 'authorization_code', refreshToken: 'rt-0' };
    expect(token(await tokens.accessToken('c1', code))).toBe('at-1');
    expect(stored).toEqual(['c1=rt-1']);
    // The stored rotation comes back in the connection's settings: no new token request.
    expect(token(await tokens.accessToken('c1', { ...code, refreshToken: 'rt-1' }))).toBe('at-1');
    expect(server.requests).toHaveLength(1);
    // An operator's new refresh token starts afresh with it.
    expect(token(await tokens.accessToken('c1', { ...code, refreshToken: 'operator-rt' }))).toBe('at-2');
    expect(Object.fromEntries(server.requests[1]!.form)).toMatchObject({ refresh_token: 'operator-rt' });
  });
});

describe('AuthenticatedSender: a 401 invalidates the token and retries once', () => {
  const server = new TokenServer();
  const receiver = new HttpReceiver();
  const sender = new WebhookSender({ allowPrivateTargets: ALLOW_LOOPBACK });
  let connection: ConnectionSettings;
  const delivery: DeliveryV1 = {
    v: 1,
    id: 'msg_401',
    tenant: 'acme',
    subject: 's',
    connectionId: 'c',
    eventId: 'e',
    eventType: 't',
    body: { a: 1 },
    headers: {},
    ingestedAt: 0,
  };

  beforeAll(async () => {
    const tokenUrl = await server.start();
    const url = await receiver.start();
    connection = {
      id: 'c',
      tenant: 'acme',
      name: 'crm',
      url: `${url}/hook`,
      method: 'POST',
      contentType: 'application/json',
      headers: {},
      timeoutMs: 5000,
      maxRetries: 3,
      retryScheduleS: [10, 120, 900],
      rateLimitPerS: 50,
      maxInFlight: 10,
      ordering: 'per_subject',
      paused: false,
      auth: { type: 'oauth2', grantType: 'client_credentials', clientId: 'i', clientSecret: 's', tokenUrl },
    };
  });
  beforeEach(() => {
    server.requests.length = 0;
    receiver.requests.length = 0;
  });
  afterAll(async () => {
    await Promise.all([server.stop(), receiver.stop()]);
    await sender.close();
  });

  it('sends once more with a new token after a 401, then keeps that token', async () => {
    const authenticated = new AuthenticatedSender(sender, new OAuth2TokenManager({ dispatcher: sender.dispatcher }));
    receiver.responder = (_request, index) => ({ status: index === 0 ? 401 : 200 });
    const { sent, refused } = await authenticated.send(connection, delivery);
    expect(refused?.result).toMatchObject({ kind: 'response', status: 401 });
    expect(sent.result).toMatchObject({ kind: 'response', status: 200 });
    expect(receiver.requests.map((request) => request.headers.authorization)).toEqual(['Bearer at-1', 'Bearer at-2']);
    expect(receiver.requests[0]!.headers['webhook-id']).toBe(receiver.requests[1]!.headers['webhook-id']);
    expect(server.requests).toHaveLength(2);

    const again = await authenticated.send(connection, delivery);
    expect(again.refused).toBeUndefined();
    expect(receiver.requests[2]!.headers.authorization).toBe('Bearer at-2');
    expect(server.requests).toHaveLength(2);
  });

  it('retries exactly once: a second 401 is the outcome', async () => {
    const authenticated = new AuthenticatedSender(sender, new OAuth2TokenManager({ dispatcher: sender.dispatcher }));
    receiver.responder = () => ({ status: 401 });
    const { sent, refused } = await authenticated.send(connection, delivery);
    expect(refused).toBeDefined();
    expect(classifyOutcome(sent.result, Date.now())).toMatchObject({ kind: 'permanent', reason: 'HTTP 401' });
    expect(receiver.requests).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
  });

  it('does not send at all when no token can be had', async () => {
    const authenticated = new AuthenticatedSender(sender, new OAuth2TokenManager({ dispatcher: sender.dispatcher }));
    server.answer = () => ({ status: 401, body: { error: 'invalid_client' } });
    const { sent } = await authenticated.send(connection, delivery);
    expect(classifyOutcome(sent.result, Date.now())).toMatchObject({ kind: 'permanent', category: 'config' });
    expect(receiver.requests).toHaveLength(0);
  });
});
