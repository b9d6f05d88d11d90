import type { DataSource } from 'typeorm';
import { testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { startCluster, TestCluster } from './support/cluster';
import { openDatabase } from './support/database';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;
const PASSWORD = `PASS-${uniqueSuffix()}`;

/**
 * The SSRF guard seen from the API (issue 9, row 10): a connection URL carrying credentials is
 * refused before anything is stored, and "Save & Test" to an address in one of the ranges the
 * guard now covers (NAT64 local use, 6to4, Teredo, documentation, benchmarking) answers the
 * guard's reason without connecting.
 */
describe('the SSRF guard at the API', () => {
  // No private target allowed: production's setting.
  const env = testEnvironment({
    FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWLINE_SECRET_KEY: `key-${uniqueSuffix()}`.repeat(4),
    FLOWLINE_ALLOW_PRIVATE_TARGETS: '',
  });
  let cluster: TestCluster;
  let dataSource: DataSource;
  let api: ApiClient;
  const tenant = `ssrf-api-${uniqueSuffix()}`;

  beforeAll(async () => {
    dataSource = await openDatabase(env);
    cluster = await startCluster(env, ['api']);
    api = await ApiClient.tenant(cluster.url, ADMIN_TOKEN, tenant);
  });

  afterAll(async () => {
    await cluster?.close();
    await dataSource?.destroy();
  });

  async function storedUrls(): Promise<string[]> {
    const rows = await dataSource.query<Array<{ url: string; auth: unknown }>>(
      'SELECT url, auth FROM connections WHERE tenant_id = $1',
      [tenant],
    );
    return rows.map((row) => `${row.url} ${JSON.stringify(row.auth)}`);
  }

  describe('credentials in a URL', () => {
    it.each([
      [`http://u:${PASSWORD}@127.0.0.1:18090/`],
      [`https://user:${PASSWORD}@crm.example.com/hooks`],
      [`https://${PASSWORD}@crm.example.com/hooks`],
      [`http://:${PASSWORD}@crm.example.com/`],
    ])('refuses the connection url %s with 400, storing nothing and echoing no password', async (url) => {
      const answer = await api.call('POST', '/connections', { name: 'CRM', url });
      expect(answer.status).toBe(400);
      expect(answer.body.message).toEqual([
        'url must not hold credentials (user:password@host): put credentials in auth',
      ]);
      expect(JSON.stringify(answer.body)).not.toContain(PASSWORD);
      expect(await storedUrls()).toEqual([]);
      const listed = await api.call<{ connections: unknown[] }>('GET', '/connections');
      expect(JSON.stringify(listed.body)).not.toContain(PASSWORD);
    });

    it('refuses credentials on PUT too, keeping the stored URL', async () => {
      const created = await api.create('/connections', { name: 'CRM', url: 'https://crm.example.com/hooks' });
      const replaced = await api.call('PUT', `/connections/${created.id}`, {
        name: 'CRM',
        url: `https://u:${PASSWORD}@crm.example.com/hooks`,
      });
      expect(replaced.status).toBe(400);
      expect((await api.call('GET', `/connections/${created.id}`)).body.url).toBe('https://crm.example.com/hooks');
      expect((await storedUrls()).join('\n')).not.toContain(PASSWORD);
      expect((await api.call('DELETE', `/connections/${created.id}`)).status).toBe(204);
    });

    it('accepts the same credentials in auth, sealed and masked', async () => {
      const created = await api.create('/connections', {
        name: 'CRM',
        url: 'https://crm.example.com/hooks',
        auth: { type: 'basic', username: 'u', password: PASSWORD },
      });
      expect(created.auth).toEqual({ type: 'basic', username: 'u', password: '********' });
      expect((await storedUrls()).join('\n')).not.toContain(PASSWORD);
      expect((await api.call('DELETE', `/connections/${created.id}`)).status).toBe(204);
    });

    it('refuses credentials in an OAuth2 token_url and a sequence webhook_url', async () => {
      const oauth = await api.call('POST', '/connections', {
        name: 'CRM',
        url: 'https://crm.example.com/hooks',
        auth: {
          type: 'oauth2',
          grant_type: 'client_credentials',
          client_id: 'flowline',
          client_secret: 'secret',
          token_url: `https://u:${PASSWORD}@auth.example.com/token`,
        },
      });
      expect(oauth.status).toBe(400);
      expect(oauth.body.message).toEqual([
        'auth.token_url must not hold credentials (user:password@host): put them in client_id and client_secret',
      ]);
      const sequence = await api.call('POST', '/sequences', {
        name: 'Buying intent',
        event_types: ['a', 'b'],
        window_seconds: 60,
        webhook_url: `https://u:${PASSWORD}@hooks.example.com/leadvibe`,
      });
      expect(sequence.status).toBe(400);
      expect(JSON.stringify(sequence.body)).not.toContain(PASSWORD);
    });
  });

  describe('"Save & Test" to the ranges the guard refuses', () => {
    it.each([
      ['[64:ff9b:1::7f00:2]', 'a NAT64 local use address'],
      ['[64:ff9b::7f00:1]', 'a loopback (IPv4 in IPv6) address'],
      ['[2002:7f00:1::]', 'a loopback (IPv4 in IPv6) address'],
      ['[2002:a9fe:a9fe::]', 'a cloud metadata (IPv4 in IPv6) address'],
      ['[2001:0:4136:e378:8000:63bf:3fff:fdd2]', 'a Teredo address'],
      ['192.0.2.10', 'a documentation address'],
      ['198.51.100.10', 'a documentation address'],
      ['203.0.113.10', 'a documentation address'],
      ['[2001:db8::10]', 'a documentation address'],
      ['[3fff::10]', 'a documentation address'],
      ['198.18.0.10', 'a benchmarking address'],
      ['[2001:2::10]', 'a benchmarking address'],
      ['192.88.99.1', 'a 6to4 relay anycast address'],
    ])('refuses %s as %s', async (host, kind) => {
      const created = await api.create('/connections', { name: 'probe', url: `http://${host}:18090/hook` });
      const tested = await api.call('POST', `/connections/${created.id}/test`);
      expect(tested.status).toBe(200);
      expect(tested.body).toMatchObject({ ok: false, status: null });
      expect(tested.body.error).toContain(`target ${host.replace(/^\[|\]$/g, '')} is ${kind}`);
      expect((await api.call('DELETE', `/connections/${created.id}`)).status).toBe(204);
    });
  });
});
