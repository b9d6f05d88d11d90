import type { DataSource } from 'typeorm';
import { testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { openDatabase } from './support/database';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  setCookie: string | null;
}

/** The console's sign-in (decision 0015), exercised as a browser would: cookies and headers. */
describe('console sessions', () => {
  const env = testEnvironment({ FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN, FLOWLINE_SECRET_KEY: 'k'.repeat(40) });
  let cluster: TestCluster;
  let dataSource: DataSource;
  let acme: ApiClient;
  let globex: ApiClient;
  const keys: Record<string, string> = {};

  async function call(method: string, path: string, options: { cookie?: string; csrf?: string; body?: unknown } = {}) {
    const response = await fetch(`${cluster.url}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.cookie ? { cookie: options.cookie } : {}),
        ...(options.csrf ? { 'x-csrf-token': options.csrf } : {}),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      setCookie: response.headers.get('set-cookie'),
    } satisfies Answer;
  }

  /** Signs in; answers the cookie to send back and the CSRF token. */
  async function signIn(apiKey: string): Promise<{ cookie: string; csrf: string; answer: Answer }> {
    const answer = await call('POST', '/session', { body: { api_key: apiKey } });
    expect(answer.status).toBe(201);
    return { cookie: answer.setCookie!.split(';')[0]!, csrf: String(answer.body.csrf_token), answer };
  }

  beforeAll(async () => {
    dataSource = await openDatabase(env);
    cluster = await startCluster(env, ['api']);
    for (const name of ['acme', 'globex']) {
      const id = `${name}-${uniqueSuffix()}`;
      const created = await new ApiClient(cluster.url, ADMIN_TOKEN).call<{ api_key: string }>('POST', '/tenants', {
        id,
        name: `${name} corp`,
      });
      keys[name] = created.body.api_key;
    }
    acme = new ApiClient(cluster.url, keys.acme);
    globex = new ApiClient(cluster.url, keys.globex);
  });

  afterAll(async () => {
    await cluster?.close();
    await dataSource?.destroy();
  });

  it('exchanges the API key for an HttpOnly, SameSite=Strict cookie that holds no key', async () => {
    const { answer, cookie } = await signIn(keys.acme!);
    expect(answer.setCookie).toMatch(/^flowline_session=fls_[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(answer.body).toMatchObject({ tenant: { name: 'acme corp' }, csrf_token: expect.any(String) });
    expect(JSON.stringify(answer)).not.toContain(keys.acme);
    const expires = Date.parse(String(answer.body.expires_at));
    expect(expires - Date.now()).toBeGreaterThan(25 * 60_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(30 * 60_000);
    // The server keeps only a hash of the session token.
    const token = cookie.slice('flowline_session='.length);
    const rows = await dataSource.query<Array<{ token_hash: string }>>(
      "SELECT token_hash FROM console_sessions WHERE tenant_id LIKE 'acme-%'",
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('refuses a wrong or missing key without setting a cookie', async () => {
    const wrong = await call('POST', '/session', { body: { api_key: 'flk_not-a-key' } });
    expect(wrong.status).toBe(401);
    expect(wrong.setCookie).toBeNull();
    const missing = await call('POST', '/session', { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toEqual(['api_key is required']);
  });

  it('lets the cookie read the API, scoped to its tenant', async () => {
    const mine = await acme.create('/tags', {
      name: `vip_${uniqueSuffix()}`,
      label: 'VIP',
      objects: ['attendee_type'],
    });
    const theirs = await globex.create('/tags', {
      name: `gold_${uniqueSuffix()}`,
      label: 'Gold',
      objects: ['attendee_type'],
    });
    const { cookie } = await signIn(keys.acme!);
    const list = await call('GET', '/tags', { cookie });
    expect(list.status).toBe(200);
    const names = (list.body.tags as Array<{ name: string }>).map((tag) => tag.name);
    expect(names).toContain(mine.name);
    expect(names).not.toContain(theirs.name);
    expect((await call('GET', `/tags/${String(theirs.name)}`, { cookie })).status).toBe(404);
  });

  it('refuses a change without the CSRF token of its own session, and makes none', async () => {
    const { cookie, csrf } = await signIn(keys.acme!);
    const other = await signIn(keys.acme!);
    const name = `csrf_${uniqueSuffix()}`;
    const body = { name, label: 'Forged', objects: ['attendee_type'] };
    const withoutToken = await call('POST', '/tags', { cookie, body });
    expect(withoutToken.status).toBe(403);
    expect(withoutToken.body.message).toMatch(/x-csrf-token/);
    expect((await call('POST', '/tags', { cookie, csrf: other.csrf, body })).status).toBe(403);
    expect((await call('GET', `/tags/${name}`, { cookie })).status).toBe(404);
    expect((await call('POST', '/tags', { cookie, csrf, body })).status).toBe(201);
  });

  it('answers the current session to a reloaded console, and 401 without one', async () => {
    const { cookie, csrf } = await signIn(keys.globex!);
    const current = await call('GET', '/session', { cookie });
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ tenant: { name: 'globex corp' }, csrf_token: csrf });
    expect((await call('GET', '/session')).status).toBe(401);
    expect((await call('GET', '/session', { cookie: 'flowline_session=fls_made-up' })).status).toBe(401);
  });

  it('signs out for good: the old cookie authenticates nothing afterwards', async () => {
    const { cookie, csrf } = await signIn(keys.acme!);
    expect((await call('DELETE', '/session', { cookie })).status).toBe(403);
    const signedOut = await call('DELETE', '/session', { cookie, csrf });
    expect(signedOut.status).toBe(204);
    expect(signedOut.setCookie).toContain('Max-Age=0');
    const after = await call('GET', '/tags', { cookie });
    expect(after.status).toBe(401);
    expect(after.body.message).toMatch(/sign in again/);
  });

  it('ends an expired session', async () => {
    const { cookie } = await signIn(keys.acme!);
    const token = cookie.slice('flowline_session='.length);
    expect((await call('GET', '/tags', { cookie })).status).toBe(200);
    await dataSource.query(
      "UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = encode(sha256($1::bytea), 'hex')",
      [token],
    );
    expect((await call('GET', '/tags', { cookie })).status).toBe(401);
  });

  it('lets an API key in the header win over a cookie', async () => {
    const { cookie } = await signIn(keys.acme!);
    const response = await fetch(`${cluster.url}/session`, { headers: { cookie } });
    expect(response.status).toBe(200);
    const asGlobex = await fetch(`${cluster.url}/tags`, {
      method: 'POST',
      headers: { cookie, authorization: `Bearer ${keys.globex}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `key_${uniqueSuffix()}`, label: 'By key', objects: ['attendee_type'] }),
    });
    // No CSRF token needed: a key in a header is something no other site can make a browser send.
    expect(asGlobex.status).toBe(201);
    const created = (await asGlobex.json()) as { name: string };
    expect((await globex.call('GET', `/tags/${created.name}`)).status).toBe(200);
    expect((await acme.call('GET', `/tags/${created.name}`)).status).toBe(404);
  });
});
