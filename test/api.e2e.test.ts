import type { DataSource } from 'typeorm';
import { loadConfig } from '@flowline/config';
import { Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { startCluster, TestCluster } from './support/cluster';
import { openDatabase } from './support/database';

const ADMIN_TOKEN = `admin-${uniqueSuffix()}-${uniqueSuffix()}`;

describe('the control plane API', () => {
  const env = testEnvironment({
    FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWLINE_SECRET_KEY: `key-${uniqueSuffix()}`.repeat(4),
  });
  const topics = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!);
  let cluster: TestCluster;
  let dataSource: DataSource;
  const acme = { id: `acme-${uniqueSuffix()}`, key: '' };
  const globex = { id: `globex-${uniqueSuffix()}`, key: '' };

  async function call(method: string, path: string, key: string | undefined, body?: unknown) {
    const response = await fetch(`${cluster.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  beforeAll(async () => {
    dataSource = await openDatabase(env);
    cluster = await startCluster(env, ['api']);
    for (const tenant of [acme, globex]) {
      const created = await call('POST', '/tenants', ADMIN_TOKEN, { id: tenant.id, name: tenant.id });
      expect(created.status).toBe(201);
      tenant.key = String(created.body.api_key);
    }
  });

  afterAll(async () => {
    await cluster?.close();
    await dataSource?.destroy();
  });

  describe('tenants', () => {
    it('answers the API key once and stores only its hash', async () => {
      expect(acme.key).toMatch(/^flk_/);
      const [row] = await dataSource.query<Array<{ api_key_hash: string }>>(
        'SELECT api_key_hash FROM tenants WHERE id = $1',
        [acme.id],
      );
      expect(row!.api_key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row!.api_key_hash).not.toContain(acme.key);
    });

    it('needs the admin token, and refuses an existing id', async () => {
      expect((await call('POST', '/tenants', undefined, { id: 'x', name: 'x' })).status).toBe(401);
      expect((await call('POST', '/tenants', acme.key, { id: 'x', name: 'x' })).status).toBe(401);
      expect((await call('POST', '/tenants', ADMIN_TOKEN, { id: acme.id, name: 'again' })).status).toBe(409);
    });
  });

  describe('connections', () => {
    const connection = {
      name: 'CRM',
      url: 'https://crm.example.com/hooks/sequel',
      auth: { type: 'basic', username: 'flowline', password: 'hunter2-secret' },
      headers: { 'X-Company-ID': 'company_12345' },
      signing_secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      max_retries: 5,
    };

    it('stores secrets sealed and answers them masked', async () => {
      const created = await call('POST', '/connections', acme.key, connection);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'CRM',
        method: 'POST',
        content_type: 'application/json',
        auth: { type: 'basic', username: 'flowline', password: '********' },
        signing_secret: '********',
        headers: { 'X-Company-ID': 'company_12345' },
        max_retries: 5,
      });
      const dump = JSON.stringify(await dataSource.query('SELECT * FROM connections WHERE tenant_id = $1', [acme.id]));
      expect(dump).not.toContain('hunter2-secret');
      expect(dump).not.toContain('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
      expect(dump).toMatch(/fl1:[0-9a-f]{8}:/);
    });

    it.each([
      [{ type: 'api_key', header: 'X-API-Key', key: 'sk_live_abc123xyz789' }, ['key']],
      [{ type: 'bearer', token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9' }, ['token']],
      [
        {
          type: 'oauth2',
          grant_type: 'authorization_code',
          client_id: 'flowline',
          client_secret: 'oauth-client-secret-1',
          token_url: 'https://auth.example.com/token',
          scope: 'contacts.write',
          refresh_token: 'oauth-refresh-token-1',
        },
        ['client_secret', 'refresh_token'],
      ],
      [{ type: 'none' }, []],
    ])('stores auth %j with its secrets sealed and masked', async (auth, secretFields) => {
      const created = await call('POST', '/connections', acme.key, {
        name: 'auth',
        url: 'https://crm.example.com/x',
        auth,
      });
      expect(created.status).toBe(201);
      const shown = created.body.auth as Record<string, unknown>;
      const dump = JSON.stringify(
        await dataSource.query('SELECT auth FROM connections WHERE id = $1', [created.body.id]),
      );
      for (const [field, value] of Object.entries(auth)) {
        if ((secretFields as string[]).includes(field)) {
          expect(shown[field]).toBe('********');
          expect(dump).not.toContain(String(value));
        } else {
          expect(shown[field]).toBe(value);
        }
      }
    });

    it('tests a connection with one real request: "Save & Test"', async () => {
      const receiver = new HttpReceiver();
      await receiver.start();
      try {
        receiver.responder = (request) => ({ status: request.path === '/down' ? 503 : 200 });
        const up = await call('POST', '/connections', acme.key, {
          name: 'up',
          url: `${receiver.url}/up`,
          auth: { type: 'bearer', token: 'tested-token' },
        });
        const tested = await call('POST', `/connections/${String(up.body.id)}/test`, acme.key);
        expect(tested).toEqual({
          status: 200,
          body: { ok: true, status: 200, latency_ms: expect.any(Number), error: null },
        });
        expect(receiver.requests[0]!.headers.authorization).toBe('Bearer tested-token');
        expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ type: 'flowline.test' });
        const down = await call('POST', '/connections', acme.key, { name: 'down', url: `${receiver.url}/down` });
        expect((await call('POST', `/connections/${String(down.body.id)}/test`, acme.key)).body).toMatchObject({
          ok: false,
          status: 503,
          error: 'HTTP 503',
        });
        expect((await call('POST', `/connections/${String(up.body.id)}/test`, globex.key)).status).toBe(404);
      } finally {
        await receiver.stop();
      }
    });

    it('keeps a secret that a replacement leaves out', async () => {
      const created = await call('POST', '/connections', acme.key, connection);
      const id = String(created.body.id);
      const [before] = await dataSource.query<Array<{ auth: { password: string } }>>(
        'SELECT auth FROM connections WHERE id = $1',
        [id],
      );
      const replaced = await call('PUT', `/connections/${id}`, acme.key, {
        ...connection,
        name: 'CRM v2',
        auth: { type: 'basic', username: 'flowline', password: '********' },
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ name: 'CRM v2', auth: { password: '********' } });
      const [after] = await dataSource.query<Array<{ auth: { password: string } }>>(
        'SELECT auth FROM connections WHERE id = $1',
        [id],
      );
      expect(after!.auth.password).toBe(before!.auth.password);
    });

    it("answers 404 for another tenant's connection, never its data", async () => {
      const created = await call('POST', '/connections', acme.key, connection);
      const id = String(created.body.id);
      for (const [method, body] of [['GET'], ['PUT', connection], ['DELETE']] as const) {
        const response = await call(method, `/connections/${id}`, globex.key, body);
        expect(response.status).toBe(404);
        expect(JSON.stringify(response.body)).not.toContain('crm.example.com');
      }
      expect((await call('GET', '/connections', globex.key)).body).toEqual({ connections: [] });
      expect((await call('GET', `/connections/not-a-uuid`, acme.key)).status).toBe(404);
    });

    it('answers 400 listing every problem of a bad body', async () => {
      const response = await call('POST', '/connections', acme.key, {
        url: 'ftp://nowhere',
        method: 'PATCH',
        auth: { type: 'basic', username: 'u' },
        headers: { 'X-Count': 3 },
        retry_schedule_s: [200_000, 100_000],
        colour: 'blue',
      });
      expect(response.status).toBe(400);
      const problems = (response.body.message as string[]).join('\n');
      for (const expected of ['name', 'url', 'method', 'password', 'headers', 'retry_schedule_s', 'colour']) {
        expect(problems).toContain(expected);
      }
    });
  });

  describe('tags', () => {
    it('creates a tag and assigns it to values of its objects only', async () => {
      expect(
        (await call('POST', '/tags', acme.key, { name: 'engaged', label: 'Engaged', objects: ['registration_status'] }))
          .status,
      ).toBe(201);
      const assigned = await call('PUT', '/tags/engaged/assignments', acme.key, [
        { object: 'registration_status', value: 'Registered' },
        { object: 'registration_status', value: 'Attended' },
      ]);
      expect(assigned.status).toBe(200);
      expect(assigned.body.assignments).toEqual([
        { object: 'registration_status', value: 'Attended' },
        { object: 'registration_status', value: 'Registered' },
      ]);
      const wrong = await call('PUT', '/tags/engaged/assignments', acme.key, [
        { object: 'attendee_type', value: 'VIP' },
      ]);
      expect(wrong.status).toBe(400);
      expect((await call('GET', '/tags/engaged', globex.key)).status).toBe(404);
      expect((await call('PUT', '/tags/engaged/assignments', globex.key, [])).status).toBe(404);
    });
  });

  describe('mappings and flows', () => {
    const fields = [
      { target: 'email', source: 'email' },
      { target: 'name', source: 'full_name' },
      { target: 'status', source: 'status', transforms: ['lower'] },
      { target: 'data_source', value: 'sequel_integration' },
    ];

    it('creates a mapping and previews it on an event without sending anything', async () => {
      const created = await call('POST', '/mappings', acme.key, { name: 'minimal', fields });
      expect(created.status).toBe(201);
      const event = {
        id: 'preview-1',
        type: 'registration.created',
        subject: 'att-1',
        time: '2025-01-10T09:00:00Z',
        data: {
          profile: { email: 'john.doe@example.com', first_name: 'John', last_name: 'Doe' },
          registration: { status: 'Registered' },
        },
      };
      const preview = await call('POST', `/mappings/${String(created.body.id)}/preview`, acme.key, { event });
      expect(preview.status).toBe(200);
      expect(JSON.stringify(preview.body)).toBe(
        JSON.stringify({
          payload: {
            email: 'john.doe@example.com',
            name: 'John Doe',
            status: 'registered',
            data_source: 'sequel_integration',
          },
          headers: {},
          errors: [],
        }),
      );
      const adHoc = await call('POST', '/mappings/preview', acme.key, {
        mapping: { fields: [{ target: 'phone', source: 'profile.phone', required: true }] },
        event,
      });
      expect(adHoc.status).toBe(200);
      expect(adHoc.body.errors).toEqual([expect.stringContaining('phone')]);
      expect((await call('POST', `/mappings/${String(created.body.id)}/preview`, globex.key, { event })).status).toBe(
        404,
      );
    });

    it('answers 400 listing every problem of a mapping', async () => {
      const response = await call('POST', '/mappings', acme.key, {
        fields: [
          { source: 'email' },
          { target: 'x', source: 'email', value: 'both' },
          { target: 'y', transforms: ['shout'], source: 'email' },
        ],
      });
      expect(response.status).toBe(400);
      const problems = (response.body.message as string[]).join('\n');
      expect(problems).toContain('name');
      expect(problems).toMatch(/target/);
      expect(problems).toMatch(/shout/);
    });

    it('creates a flow, says whether it is complete, and checks its references', async () => {
      const connection = await call('POST', '/connections', acme.key, { name: 'c', url: 'https://crm.example.com/a' });
      const mapping = await call('POST', '/mappings', acme.key, { name: 'm', fields });
      const incomplete = await call('POST', '/flows', acme.key, {
        name: 'draft',
        source: { preset: 'registration_status_change' },
      });
      expect(incomplete.status).toBe(201);
      expect(incomplete.body).toMatchObject({
        complete: false,
        missing: expect.arrayContaining(['activate_for.registration_status']),
      });
      // It cannot run, so it cannot be replayed: said at once, not by a replay that starts and fails.
      const replay = await call('POST', `/flows/${String(incomplete.body.id)}/replay`, acme.key, {
        from: '2025-01-01T00:00:00Z',
        to: '2025-01-02T00:00:00Z',
      });
      expect(replay.status).toBe(409);
      expect(String(replay.body.message)).toMatch(/not complete.*activate_for\.registration_status/);

      const flow = {
        name: 'registrations',
        source: { preset: 'registration_create_update' },
        filters: [{ on: 'profile', field: 'email', op: 'exists', value: true }],
        destination: { connection_id: connection.body.id, payload_mapping_id: mapping.body.id },
      };
      const created = await call('POST', '/flows', acme.key, flow);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ complete: true, missing: [], live: true, active: true });
      expect((await call('GET', `/flows/${String(created.body.id)}`, globex.key)).status).toBe(404);

      const foreign = await call('POST', '/flows', globex.key, {
        ...flow,
        activate_for: { registration_status: ['nope'] },
      });
      expect(foreign.status).toBe(400);
      const problems = (foreign.body.message as string[]).join('\n');
      expect(problems).toContain('destination.connection_id');
      expect(problems).toContain('destination.payload_mapping_id');
      expect(problems).toContain('tag nope not found');
    });
  });

  describe('events', () => {
    it('produces valid events to the ingest topic, keyed tenant:subject', async () => {
      const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
      try {
        const event = {
          id: 'api-evt-1',
          type: 'registration.created',
          subject: 'att-1',
          time: '2025-01-10T09:00:00Z',
          data: {},
        };
        const response = await call('POST', '/events', acme.key, [event]);
        expect(response).toEqual({ status: 202, body: { accepted: 1, ids: ['api-evt-1'] } });
        const [record] = await kafka.collect(topics.of(Topic.Ingest), 1);
        expect(record!.key).toBe(`${acme.id}:att-1`);
        expect(JSON.parse(record!.value!.toString())).toEqual({ tenant: acme.id, ...event });
      } finally {
        await kafka.close();
      }
    });

    it('answers 400 with the reason of each bad event and produces none of them', async () => {
      const response = await call('POST', '/events', acme.key, [
        { id: 'ok', type: 't', subject: 's', time: '2025-01-10T09:00:00Z', data: {} },
        { id: 'no-subject', type: 't', time: '2025-01-10T09:00:00Z', data: {} },
        { id: 'other', tenant: globex.id, type: 't', subject: 's', time: '2025-01-10T09:00:00Z', data: {} },
      ]);
      expect(response.status).toBe(400);
      const problems = (response.body.message as string[]).join('\n');
      expect(problems).toContain('[1] subject');
      expect(problems).toContain('[2] tenant must be your own tenant');
    });
  });

  it("answers 404 on every endpoint for another tenant's ids, never their data", async () => {
    const connection = await call('POST', '/connections', acme.key, { name: 'own', url: 'https://own.example.com/x' });
    const mapping = await call('POST', '/mappings', acme.key, { name: 'own', fields: [{ target: 'a', value: 1 }] });
    const flow = await call('POST', '/flows', acme.key, { name: 'own' });
    await call('POST', '/tags', acme.key, { name: 'own-tag', label: 'Own', objects: ['attendee_type'] });
    const event = { id: 'e', type: 't', subject: 's', time: '2025-01-10T09:00:00Z', data: {} };
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/connections/${String(connection.body.id)}`],
      ['PUT', `/connections/${String(connection.body.id)}`, { name: 'x', url: 'https://x.example.com' }],
      ['DELETE', `/connections/${String(connection.body.id)}`],
      ['GET', `/mappings/${String(mapping.body.id)}`],
      ['PUT', `/mappings/${String(mapping.body.id)}`, { name: 'x', fields: [] }],
      ['DELETE', `/mappings/${String(mapping.body.id)}`],
      ['POST', `/mappings/${String(mapping.body.id)}/preview`, { event }],
      ['GET', `/flows/${String(flow.body.id)}`],
      ['PUT', `/flows/${String(flow.body.id)}`, { name: 'x' }],
      ['DELETE', `/flows/${String(flow.body.id)}`],
      ['GET', '/tags/own-tag'],
      ['DELETE', '/tags/own-tag'],
      ['PUT', '/tags/own-tag/assignments', []],
    ];
    for (const [method, path, body] of attempts) {
      const response = await call(method, path, globex.key, body);
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
      expect(JSON.stringify(response.body)).not.toContain('own.example.com');
    }
    // Still there for their owner.
    expect((await call('GET', `/flows/${String(flow.body.id)}`, acme.key)).status).toBe(200);
    expect((await call('GET', '/tags/own-tag', acme.key)).status).toBe(200);
  });

  it.each([
    ['POST /tenants', '/tenants', 'admin', { name: 5, extra: true }, ['id', 'name', 'extra']],
    [
      'POST /tags',
      '/tags',
      'acme',
      { label: [], objects: ['planet'], colour: 'red' },
      ['name', 'label', 'objects', 'colour'],
    ],
    [
      'POST /connections',
      '/connections',
      'acme',
      { url: 42, timeout_ms: 'soon', colour: 'red' },
      ['name', 'url', 'timeout_ms', 'colour'],
    ],
    ['POST /mappings', '/mappings', 'acme', { fields: 'all', colour: 'red' }, ['name', 'fields', 'colour']],
    [
      'POST /flows',
      '/flows',
      'acme',
      { live: 'yes', filters: [{ on: 'moon', op: 'like' }], colour: 'red' },
      ['name', 'live', 'on', 'op', 'field', 'colour'],
    ],
    [
      'POST /mappings/preview',
      '/mappings/preview',
      'acme',
      { mapping: 'm', colour: 'red' },
      ['event', 'mapping', 'colour'],
    ],
  ])(
    '%s answers 400 for missing, wrong-typed and unknown fields, all listed',
    async (_name, path, who, body, expected) => {
      const key = who === 'admin' ? ADMIN_TOKEN : acme.key;
      const response = await call('POST', path, key, body);
      expect(response.status).toBe(400);
      const problems = (response.body.message as string[]).join('\n');
      for (const field of expected) expect(problems).toContain(field);
    },
  );

  it('refuses every tenant endpoint without a valid key', async () => {
    for (const [method, path] of [
      ['GET', '/connections'],
      ['POST', '/connections'],
      ['GET', '/tags'],
      ['POST', '/tags'],
      ['PUT', '/tags/engaged/assignments'],
      ['POST', '/events'],
      ['GET', '/mappings'],
      ['POST', '/mappings'],
      ['POST', '/mappings/preview'],
      ['GET', '/flows'],
      ['POST', '/flows'],
    ]) {
      const body = method === 'GET' ? undefined : {};
      expect((await call(method!, path!, undefined, body)).status).toBe(401);
      expect((await call(method!, path!, 'flk_wrong', body)).status).toBe(401);
    }
  });

  it('serves its OpenAPI document and a browsable page', async () => {
    const document = await call('GET', '/docs-json', undefined);
    expect(document.status).toBe(200);
    expect(Object.keys(document.body.paths as object)).toEqual(
      expect.arrayContaining([
        '/tenants',
        '/connections',
        '/connections/{id}',
        '/tags',
        '/events',
        '/mappings',
        '/flows',
      ]),
    );
    const page = await fetch(`${cluster.url}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
  });
});
