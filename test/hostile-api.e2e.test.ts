import { request as httpRequest } from 'node:http';
import { loadConfig } from '@flowline/config';
import { parseEvent, Topic, TopicNames } from '@flowline/contracts';
import { HttpReceiver, KafkaTestClient, testEnvironment, uniqueSuffix } from '@flowline/testing';
import { ApiClient } from './support/api-client';
import { ClusterProcess } from './support/cluster-process';

/**
 * Issue 9, the API's rows: what a careful attacker (and schemathesis) sent, against a real api
 * process with PostgreSQL and Kafka. Every refusal is a 4xx with its reason, nothing is stored or
 * produced for it, and the process's own log lines never show a secret or a value it was sent.
 */
const suffix = uniqueSuffix();
const ADMIN_TOKEN = `admin-${suffix}-${uniqueSuffix()}`;
const MiB = 1024 * 1024;

/** Every value below goes into some request; none may appear in a log line (row 7). */
const SECRETS = {
  password: `basic-pw-${suffix}`,
  token: `bearer-tok-${suffix}`,
  apiKey: `api-key-${suffix}`,
  clientSecret: `oauth-cs-${suffix}`,
  refreshToken: `oauth-rt-${suffix}`,
  signingSecret: `whsec_${suffix}${suffix}${suffix}`,
  headerValue: `static-header-${suffix}`,
  urlPassword: `url-pw-${suffix}`,
  mappingValue: `static-mapping-${suffix}`,
  valueMapValue: `mapped-to-${suffix}`,
  email: `ada-${suffix}@example.com`,
  subject: `lead-${suffix}`,
  nulLabel: `nul-label-${suffix}`,
  nulCursorId: `nul-cursor-${suffix}`,
  deepValue: `deep-${suffix}`,
  wrongKey: `flk_wrong-${suffix}`,
  raceLabel: `race-label-${suffix}`,
  queryEmail: `query-${suffix}@example.com`,
  badJson: `bad-json-${suffix}`,
};

const nested = (depth: number, leaf: string): string => `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;

describe('the API under hostile input (issue 9)', () => {
  const env = testEnvironment({
    FLOWLINE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWLINE_SECRET_KEY: `key-${uniqueSuffix()}`.repeat(4),
  });
  const ingestTopic = new TopicNames(env.FLOWLINE_TOPIC_PREFIX!).of(Topic.Ingest);
  const kafka = new KafkaTestClient(loadConfig(env).KAFKA_BROKERS);
  // A real process, so the test reads exactly the log lines an operator's collector would get.
  const api = new ClusterProcess(env, 'api', 'debug');
  const tenantId = `hostile-${suffix}`;
  let client: ApiClient;
  let key: string;

  /** Any body, bytes and headers as given: what a client other than a well-behaved one sends. */
  async function send(
    method: string,
    path: string,
    body?: string | Buffer | ReadableStream<Uint8Array>,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...headers },
      ...(body === undefined ? {} : { body, duplex: 'half' as const }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  }

  /** With node:http, which reports exactly what the server did with the connection. */
  function statusOf(path: string, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(`${api.url}${path}`, { headers }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode!));
      });
      request.on('error', reject);
      request.end();
    });
  }

  const problemsOf = (response: { body: Record<string, unknown> }): string => {
    const message = response.body.message;
    return Array.isArray(message) ? message.join('\n') : String(message);
  };

  beforeAll(async () => {
    await api.start();
    const created = await new ApiClient(api.url, ADMIN_TOKEN).call<{ api_key: string }>('POST', '/tenants', {
      id: tenantId,
      name: tenantId,
    });
    expect(created.status).toBe(201);
    key = created.body.api_key;
    client = new ApiClient(api.url, key);
  });

  afterAll(async () => {
    await api.stop('SIGTERM');
    await kafka.close();
  });

  describe('row 3: JSON nesting is bounded before anything walks it', () => {
    const hostile = nested(10_000, `"${SECRETS.deepValue}"`);

    it.each([
      ['POST', '/tags'],
      ['POST', '/connections'],
      ['POST', '/mappings'],
      ['POST', '/mappings/preview'],
      ['POST', '/flows'],
      ['POST', '/sequences'],
      ['POST', '/events'],
      ['PUT', '/tags/any/assignments'],
    ])('%s %s answers 400 with the reason for a body 10,000 levels deep', async (method, path) => {
      const response = await send(method, path, hostile);
      expect(response.status).toBe(400);
      expect(problemsOf(response)).toBe('the body nests objects and arrays deeper than 100 levels');
    });

    it('takes an event whose data nests 60 levels (events are bounded at 64), and refuses a body of 101 levels', async () => {
      const event = (depth: number) =>
        `{"id":"deep-${depth}-${suffix}","type":"deep.test","subject":"s","time":"2025-01-10T09:00:00Z","data":${nested(depth, '1')}}`;
      expect((await send('POST', '/events', event(60))).status).toBe(202);
      const refused = await send('POST', '/events', `[${event(100)}]`);
      expect(refused.status).toBe(400);
      expect(problemsOf(refused)).toContain('deeper than 100 levels');
    });
  });

  describe('row 4: text PostgreSQL cannot store is refused at the door, naming the field', () => {
    it.each([
      [
        'a tag label',
        'POST',
        '/tags',
        { name: 't-nul', label: `${SECRETS.nulLabel}\u0000`, objects: ['question'] },
        'label',
      ],
      ['a connection name', 'POST', '/connections', { name: 'a\u0000b', url: 'https://x.example.com' }, 'name'],
      [
        'a static header value',
        'POST',
        '/connections',
        { name: 'c', url: 'https://x.example.com', headers: { 'X-A': 'v\u0000' } },
        'headers.X-A',
      ],
      [
        'a header name (an object key)',
        'POST',
        '/connections',
        { name: 'c', url: 'https://x.example.com', headers: { 'X-\u0000': 'v' } },
        'headers must not have a key',
      ],
      [
        'a static mapping value (JSONB)',
        'POST',
        '/mappings',
        { name: 'm', fields: [{ target: 'a', value: 'x\ud800' }] },
        'fields[0].value',
      ],
      [
        'a value_map key (JSONB)',
        'POST',
        '/mappings',
        { name: 'm', fields: [{ target: 'a', source: 'a', value_map: { '\udc00': 'b' } }] },
        'fields[0].value_map must not have a key',
      ],
      ['a flow name', 'POST', '/flows', { name: 'f\u0000' }, 'name'],
      ['a sequence name', 'POST', '/sequences', { name: 's\u0000', event_types: ['a'], window_seconds: 60 }, 'name'],
      [
        'an event id (a lone surrogate would be stored as U+FFFD and de-duplicated)',
        'POST',
        '/events',
        { id: 'p-\ud800', type: 't', subject: 's', time: '2025-01-10T09:00:00Z', data: {} },
        'id',
      ],
      [
        'an event subject in a batch',
        'POST',
        '/events',
        [{ id: 'ok', type: 't', subject: 's-\udfff', time: '2025-01-10T09:00:00Z', data: {} }],
        '[0].subject',
      ],
      [
        'text deep inside event data',
        'POST',
        '/events',
        { id: 'd', type: 't', subject: 's', time: '2025-01-10T09:00:00Z', data: { a: [{ b: '\u0000' }] } },
        'data.a[0].b',
      ],
    ])('%s', async (_case, method, path, body, field) => {
      const before = await kafka.recordCount(ingestTopic);
      const response = await client.call(method, path, body);
      expect(response.status).toBe(400);
      expect(problemsOf(response)).toContain(field);
      expect(problemsOf(response)).toMatch(/NUL character|lone UTF-16 surrogate/);
      expect(await kafka.recordCount(ingestTopic)).toBe(before);
    });

    it('stores nothing for a refused body', async () => {
      expect((await client.call('GET', '/tags/t-nul')).status).toBe(404);
      expect(JSON.stringify((await client.call('GET', '/connections')).body)).not.toContain('a\\u0000b');
    });

    it.each([
      ['/tags/a%00b', 'name'],
      ['/deliveries/a%00b', 'id'],
      ['/retry-queue/a%00b', 'id'],
      ['/connections/a%00b', 'id'],
      ['/deliveries?subject=a%00b', 'subject'],
      ['/sequence-events?lead_id=a%00b', 'lead_id'],
    ])('GET %s answers 400 naming %s', async (path, field) => {
      const response = await client.call('GET', path);
      expect(response.status).toBe(400);
      expect(problemsOf(response)).toBe(`${field} must not contain the NUL character (U+0000)`);
    });

    it('refuses a body that is not UTF-8 rather than storing replacement characters', async () => {
      const bytes = Buffer.concat([
        Buffer.from('{"name":"t-utf","label":"'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('","objects":["question"]}'),
      ]);
      const response = await send('POST', '/tags', bytes);
      expect(response.status).toBe(400);
      expect(problemsOf(response)).toBe('the body is not valid UTF-8');
    });
  });

  describe('row 5: dates are RFC 3339 in years PostgreSQL and JavaScript read alike', () => {
    const cursor = (queuedAt: string, id: string) => Buffer.from(JSON.stringify([queuedAt, id])).toString('base64url');

    it.each([
      ['/deliveries?from=2025-W01-1', 'from'],
      ['/deliveries?to=0000-01-01T00:00:00Z', 'to'],
      ['/deliveries?from=2025-001', 'from'],
      ['/insights?from=2025-02-30T00:00:00Z', 'from'],
      ['/insights?to=20250110T090000Z', 'to'],
      [`/retry-queue?cursor=${cursor('0000-01-10T09:00:00.000001Z', 'msg_1')}`, 'cursor'],
    ])('GET %s answers 400 naming %s', async (path, field) => {
      const response = await client.call('GET', path);
      expect(response.status).toBe(400);
      expect(problemsOf(response)).toContain(field);
    });

    it('refuses such dates in bodies too, an event time included', async () => {
      const flow = await client.create('/flows', { name: 'replayed' });
      const replay = await client.call('POST', `/flows/${flow.id}/replay`, {
        from: '2025-W01-1',
        to: '2025-01-02T00:00:00Z',
      });
      expect(replay.status).toBe(400);
      expect(problemsOf(replay)).toContain('from must be an RFC 3339 timestamp');
      const event = await client.call('POST', '/events', {
        id: 'w',
        type: 't',
        subject: 's',
        time: '2025-W01-1',
        data: {},
      });
      expect(event.status).toBe(400);
      expect(problemsOf(event)).toContain('time must be an RFC 3339 timestamp');
    });

    it('takes RFC 3339 dates', async () => {
      expect((await client.call('GET', '/deliveries?from=2025-01-01T00:00:00Z&to=2025-01-02')).status).toBe(200);
      expect((await client.call('GET', '/insights?from=2025-01-01T00:00:00.5%2B02:00')).status).toBe(200);
    });
  });

  describe('row 6: races and values PostgreSQL refuses are 409 and 400, never 500', () => {
    it('20 parallel creates of one tag: one 201, nineteen 409, and the winner is what is stored', async () => {
      const name = `race-${suffix}`;
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          client.call('POST', '/tags', { name, label: `${SECRETS.raceLabel}-${index}`, objects: ['question'] }),
        ),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([201, ...Array<number>(19).fill(409)]);
      const winner = answers.find((answer) => answer.status === 201)!;
      expect((await client.call('GET', `/tags/${name}`)).body.label).toBe(winner.body.label);
      for (const loser of answers.filter((answer) => answer.status === 409))
        expect(JSON.stringify(loser.body)).not.toContain(SECRETS.raceLabel);
    });

    it('a value the database refuses is 400 naming what is wrong, without the value', async () => {
      // A cursor is opaque to its caller; one holding NUL reaches PostgreSQL, which refuses it.
      const cursor = Buffer.from(
        JSON.stringify(['2025-01-10T09:00:00.000001Z', `${SECRETS.nulCursorId}\u0000`]),
      ).toString('base64url');
      const response = await client.call('GET', `/retry-queue?cursor=${cursor}`);
      expect(response).toEqual({
        status: 400,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          message: ['a text holds a character the database cannot store (NUL)'],
        },
      });
    });
  });

  describe("a tenant's configuration is bounded where another tenant would pay for it (review of session 20)", () => {
    it('refuses a filter list longer than 1,000 options, or an object as a value, naming the filter', async () => {
      const flow = (value: unknown) => ({ name: 'f', filters: [{ on: 'event', field: 'a', op: 'in', value }] });
      const long = await client.call('POST', '/flows', flow(Array.from({ length: 1_001 }, (_, i) => i)));
      expect(long.status).toBe(400);
      expect(problemsOf(long)).toContain('filters.0.value must be a text of at most 1000 characters');
      const object = await client.call('POST', '/flows', flow({ a: 1 }));
      expect(object.status).toBe(400);
      expect(problemsOf(object)).toContain('filters.0.value must be');
      const fine = await client.call('POST', '/flows', flow(Array.from({ length: 1_000 }, (_, i) => `option-${i}`)));
      expect(fine.status).toBe(201);
    });

    it('refuses static headers no request can carry, or that the HTTP client sets itself, naming the header', async () => {
      const connection = (headers: Record<string, string>) => ({
        name: 'c',
        url: 'https://crm.example.com/h',
        headers,
      });
      const cases: Array<[Record<string, string>, string]> = [
        [{ 'X-A': 'a\r\nb' }, 'headers.X-A holds characters an HTTP header cannot carry'],
        [{ 'Transfer-Encoding': 'chunked' }, "headers.Transfer-Encoding is set by Flowline's HTTP client"],
        [{ 'x-long': 'v'.repeat(8_193) }, 'headers.x-long must be at most 8192 characters'],
        [
          Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`x-h${i}`, 'v'])),
          'headers must have at most 100 headers',
        ],
      ];
      for (const [headers, problem] of cases) {
        const response = await client.call('POST', '/connections', connection(headers));
        expect(response.status).toBe(400);
        expect(problemsOf(response)).toContain(problem);
      }
      const fine = await client.call('POST', '/connections', connection({ 'X-Company-ID': 'company_12345' }));
      expect(fine.status).toBe(201);
    });

    it("lists every bad assignment by its position, and refuses more than 1,000 instead of the database's 503", async () => {
      const tag = await client.call('POST', '/tags', { name: `bounded-${suffix}`, label: 'l', objects: ['event'] });
      expect(tag.status).toBe(201);
      const path = `/tags/bounded-${suffix}/assignments`;
      const mixed = await client.call('PUT', path, [
        { object: 'event', value: 'ok' },
        { object: 'nope', value: '' },
        { object: 'question' },
      ]);
      expect(mixed.status).toBe(400);
      expect(problemsOf(mixed).split('\n')).toEqual([
        expect.stringMatching(/^\[1\]\.object must be one of/),
        expect.stringMatching(/^\[1\]\.value must be longer than or equal to 1 characters/),
        '[2].value is required',
      ]);
      const many = Array.from({ length: 20_000 }, (_, i) => ({ object: 'event', value: `v${i}` }));
      const tooMany = await client.call('PUT', path, many);
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.message).toEqual(['send at most 1000 assignments']);
      const fine = await client.call('PUT', path, many.slice(0, 1_000));
      expect(fine.status).toBe(200);
    });

    it("answers 409 once a tenant's flows would take more than 32 MiB together, and lists what it kept", async () => {
      // Each flow about 1.9 MiB (two filters of 1,000 options of 950 characters): seventeen pass
      // the bound. Without it, a few hundred such objects made one listing exhaust the process.
      const flow = (index: number) => ({
        name: `big-${index}`,
        filters: [0, 1].map((filter) => ({
          on: 'event',
          field: `f${filter}`,
          op: 'in',
          value: Array.from({ length: 1_000 }, (_, option) => `${index}-${option}-`.padEnd(950, 'x')),
        })),
      });
      const statuses: number[] = [];
      let refusal: { status: number; body: Record<string, unknown> } | undefined;
      for (let index = 0; index < 20 && !refusal; index += 1) {
        const response = await client.call('POST', '/flows', flow(index));
        statuses.push(response.status);
        if (response.status !== 201) refusal = response;
      }
      expect(statuses.slice(0, -1).every((status) => status === 201)).toBe(true);
      expect(refusal?.status).toBe(409);
      expect(refusal?.body.message).toMatch(/^a tenant's flows may take at most 32 MiB together/);
      const listed = await client.call<{ flows: Array<{ name: string }> }>('GET', '/flows');
      expect(listed.status).toBe(200);
      expect(listed.body.flows.filter((f) => f.name.startsWith('big-'))).toHaveLength(statuses.length - 1);
    });

    it('refuses a feed period that ends before it starts, as the other periods do', async () => {
      const response = await client.call('GET', '/deliveries?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z');
      expect(response.status).toBe(400);
      expect(response.body.message).toEqual(['from must be before to']);
    });
  });

  describe('row 11: the API keeps its written promises', () => {
    const event = (id: string, dataBytes = 200) => ({
      id,
      type: 'batch.test',
      subject: `s-${id}`,
      time: '2025-01-10T09:00:00Z',
      data: { text: 'x'.repeat(dataBytes) },
    });

    it('POST /events takes a batch of 500 events and produces every one', async () => {
      const before = await kafka.recordCount(ingestTopic);
      const ids = Array.from({ length: 500 }, (_, index) => `batch-${suffix}-${index}`);
      const response = await client.call(
        'POST',
        '/events',
        ids.map((id) => event(id)),
      );
      expect(response).toEqual({ status: 202, body: { accepted: 500, ids } });
      const records = await kafka.collect(ingestTopic, before + 500);
      const produced = records.map((record) => (JSON.parse(record.value!.toString()) as { id: string }).id);
      expect(produced).toEqual(expect.arrayContaining(ids));
    });

    it('POST /events takes 500 events of 60 KB (30 MB) in one request', async () => {
      const before = await kafka.recordCount(ingestTopic);
      const batch = Array.from({ length: 500 }, (_, index) => event(`wide-${suffix}-${index}`, 60_000));
      const response = await client.call('POST', '/events', batch);
      expect(response.status).toBe(202);
      expect(response.body.accepted).toBe(500);
      expect(await kafka.recordCount(ingestTopic)).toBe(before + 500);
    });

    it('takes an event of almost FLOWLINE_MAX_EVENT_BYTES and refuses a larger one, naming the limit', async () => {
      expect((await client.call('POST', '/events', event(`big-${suffix}`, MiB - 500))).status).toBe(202);
      const refused = await client.call('POST', '/events', [event('ok'), event(`huge-${suffix}`, MiB)]);
      expect(refused.status).toBe(400);
      expect(problemsOf(refused)).toMatch(/^\[1\] event is \d+ bytes, over the limit of 1048576 bytes$/);
    });

    it('answers 413 naming the limit above FLOWLINE_MAX_EVENTS_REQUEST_BYTES, declared or streamed', async () => {
      const before = await kafka.recordCount(ingestTopic);
      const declared = await send('POST', '/events', Buffer.alloc(33 * MiB, 0x20));
      expect(declared).toEqual({
        status: 413,
        body: {
          statusCode: 413,
          error: 'Payload Too Large',
          message:
            'the request body is over the limit of 33554432 bytes (FLOWLINE_MAX_EVENTS_REQUEST_BYTES); send fewer events per request',
          limit_bytes: 33554432,
        },
      });
      const chunk = new Uint8Array(MiB).fill(0x20);
      let sent = 0;
      const streamed = await send(
        'POST',
        '/events',
        new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent++ < 40) controller.enqueue(chunk);
            else controller.close();
          },
        }),
      );
      expect(streamed.status).toBe(413);
      expect(streamed.body.limit_bytes).toBe(33554432);
      expect(await kafka.recordCount(ingestTopic)).toBe(before);
    });

    it('answers 413 above FLOWLINE_MAX_REQUEST_BYTES on the other endpoints', async () => {
      const response = await client.call('POST', '/mappings', { name: 'x'.repeat(3 * MiB), fields: [] });
      expect(response.status).toBe(413);
      expect(problemsOf(response)).toBe(
        'the request body is over the limit of 2097152 bytes (FLOWLINE_MAX_REQUEST_BYTES)',
      );
    });

    it('accepts the Sesamy-style envelope on POST /events as ingest does on Kafka', async () => {
      const before = await kafka.recordCount(ingestTopic);
      const sesamy = {
        eventType: 'contract.1#purchased',
        userId: `user-${suffix}`,
        contractId: 'c-1',
        occured_at: '2025-02-01T10:00:00Z',
      };
      const response = await client.call<{ accepted: number; ids: string[] }>('POST', '/events', sesamy);
      expect(response.status).toBe(202);
      const records = await kafka.collect(ingestTopic, before + 1);
      const record = records.find((candidate) => candidate.value!.toString().includes(`user-${suffix}`))!;
      expect(record.key).toBe(`${tenantId}:user-${suffix}`);
      const parsed = parseEvent(record.value!, MiB, 0);
      expect(parsed).toMatchObject({
        ok: true,
        event: {
          id: response.body.ids[0],
          tenant: tenantId,
          type: 'contract.1#purchased',
          subject: `user-${suffix}`,
          data: { contractId: 'c-1' },
        },
      });
      const foreign = await client.call('POST', '/events', { ...sesamy, vendorId: 'another-tenant' });
      expect(foreign.status).toBe(400);
      expect(problemsOf(foreign)).toContain('tenant must be your own tenant');
    });

    it.each([
      ['text/plain', 'text/plain', '{"name":"t"}'],
      ['a form', 'application/x-www-form-urlencoded', 'name=t&label=l&objects=question'],
      ['multipart', 'multipart/form-data; boundary=x', '--x\r\n\r\nname\r\n--x--'],
      ['JSON in another charset', 'application/json; charset=latin1', '{"name":"t"}'],
    ])('answers 415 for %s', async (_case, contentType, body) => {
      const response = await send('POST', '/tags', body, { 'content-type': contentType });
      expect(response.status).toBe(415);
      expect(response.body.error).toBe('Unsupported Media Type');
    });

    it('answers 415 for a body without a content type, and for a compressed one', async () => {
      expect((await send('POST', '/tags', '{}', {})).status).toBe(415);
      const gzip = await send('POST', '/tags', '{}', {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      });
      expect(gzip.status).toBe(415);
    });

    it('answers 400 with the reason for a body that is not JSON, or not an object or array', async () => {
      const broken = await send('POST', '/tags', `{"name":"${SECRETS.badJson}"`);
      expect(broken.status).toBe(400);
      expect(problemsOf(broken)).toMatch(/^the body is not valid JSON: /);
      const scalar = await send('POST', '/tags', '"t"');
      expect(problemsOf(scalar)).toBe('the body must be a JSON object or array');
    });

    it('refuses repeated and nested query parameters instead of ignoring the filter', async () => {
      const nestedFilter = await client.call('GET', '/sequence-events?lead_id[a]=b');
      expect(nestedFilter.status).toBe(400);
      expect(problemsOf(nestedFilter)).toContain('lead_id[a] should not exist');
      const repeated = await client.call('GET', '/deliveries?status=failed&status=held');
      expect(repeated.status).toBe(400);
      expect(problemsOf(repeated)).toContain('status must be given once');
    });

    it.each(['__proto__', 'constructor', 'prototype'])('refuses a %s key anywhere in a body', async (forbidden) => {
      const top = await send('POST', '/tags', `{"name":"p","label":"p","objects":["question"],"${forbidden}":{}}`);
      expect(top.status).toBe(400);
      expect(problemsOf(top)).toBe(`body must not have the key "${forbidden}"`);
      const inEvent = await send(
        'POST',
        '/events',
        `{"id":"p","type":"t","subject":"s","time":"2025-01-10T09:00:00Z","data":{"x":{"${forbidden}":1}}}`,
      );
      expect(inEvent.status).toBe(400);
      expect(problemsOf(inEvent)).toBe(`data.x must not have the key "${forbidden}"`);
    });

    it('takes limit in decimal digits only', async () => {
      for (const limit of ['0x10', '1e2', '0b1', ' 5'])
        expect((await client.call('GET', `/deliveries?limit=${encodeURIComponent(limit)}`)).status).toBe(400);
      expect((await client.call('GET', '/retry-queue?limit=0x10')).status).toBe(400);
      expect((await client.call('GET', '/deliveries?limit=16')).status).toBe(200);
    });

    it('answers 431 to a 100 KB URL and to oversized headers, on every try', async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        expect(await statusOf(`/deliveries?subject=${'a'.repeat(100_000)}`)).toBe(431);
        expect(await statusOf('/deliveries', { 'x-padding': 'a'.repeat(100_000) })).toBe(431);
      }
    });

    it('refuses POST /events from an unknown key before reading its body', async () => {
      // 30 MiB announced, 64 KiB sent: an api that read bodies before authenticating would wait
      // for the rest, and this answer would never come.
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(`${api.url}/events`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${SECRETS.wrongKey}`,
            'content-type': 'application/json',
            'content-length': String(30 * MiB),
          },
        });
        request.on('response', (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => {
            request.destroy();
            resolve({ status: response.statusCode!, body });
          });
        });
        request.on('error', reject);
        request.write(`[${'{"id":"x"},'.repeat(6_000)}`);
        const waiting = setTimeout(() => reject(new Error('no answer: the api is waiting for the body')), 15_000);
        request.on('close', () => clearTimeout(waiting));
      });
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ message: 'unknown API key' });
    });

    it('names a missing required field once, as required', async () => {
      const response = await client.call('POST', '/tags', { label: 'l', objects: ['question'] });
      expect(response.status).toBe(400);
      expect(response.body.message).toEqual(['name is required']);
    });

    // Both were 500s found by schemathesis (deploy/local/schemathesis.sh).
    it('answers 400 to POST /events without a body', async () => {
      const response = await send('POST', '/events', undefined, {});
      expect(response.status).toBe(400);
      expect(response.body.message).toEqual(['send an event object or a non-empty array of events']);
    });

    it('answers 400 to a connection whose auth is a list, with or without null in it', async () => {
      for (const auth of [[null], ['x'], []]) {
        const response = await client.call('POST', '/connections', {
          name: 'c',
          url: 'https://crm.example.com/h',
          auth,
        });
        expect(response.status).toBe(400);
        expect(response.body.message).toContain('auth must be an object');
      }
    });
  });

  describe('row 7: no secret or personal value reaches a log line', () => {
    it('logs every error path above and below without any value it was sent', async () => {
      const receiver = new HttpReceiver();
      await receiver.start();
      receiver.responder = () => ({ status: 401, body: `denied ${SECRETS.token}` });
      try {
        const connections = [
          { type: 'basic', username: 'u', password: SECRETS.password },
          { type: 'bearer', token: SECRETS.token },
          { type: 'api_key', header: 'X-API-Key', key: SECRETS.apiKey },
          {
            type: 'oauth2',
            grant_type: 'authorization_code',
            client_id: 'c',
            client_secret: SECRETS.clientSecret,
            token_url: `${receiver.url}/token`,
            refresh_token: SECRETS.refreshToken,
          },
        ];
        for (const auth of connections) {
          const created = await client.call<{ id: string }>('POST', '/connections', {
            name: 'secretive',
            url: `${receiver.url}/hook`,
            auth,
            headers: { 'X-Static': SECRETS.headerValue },
            signing_secret: SECRETS.signingSecret,
          });
          expect(created.status).toBe(201);
          // "Save & Test" meets a 401 from the receiver (and an OAuth2 token endpoint that refuses).
          expect((await client.call('POST', `/connections/${created.body.id}/test`)).status).toBe(200);
        }
        // Credentials in a URL: refused or sealed, never logged.
        const withUserinfo = `http://user:${SECRETS.urlPassword}@127.0.0.1:9/hook`;
        await client.call('POST', '/connections', { name: 'userinfo', url: withUserinfo });
        await client.call('POST', '/connections', { name: `x\u0000`, url: withUserinfo });

        const mapping = await client.create('/mappings', {
          name: 'static',
          fields: [
            { target: 'a', value: SECRETS.mappingValue },
            { target: 'b', source: 'status', value_map: { Registered: SECRETS.valueMapValue } },
            { target: 'email', source: 'profile.email', required: true },
          ],
        });
        const event = {
          id: `e-${suffix}`,
          type: 't',
          subject: SECRETS.subject,
          time: '2025-01-10T09:00:00Z',
          data: { profile: { email: SECRETS.email }, status: 'Registered' },
        };
        expect((await client.call('POST', `/mappings/${mapping.id}/preview`, { event })).status).toBe(200);
        expect((await client.call('POST', '/events', event)).status).toBe(202);
        expect((await client.call('POST', '/events', { ...event, time: 'soon' })).status).toBe(400);
        expect((await client.call('GET', `/deliveries?subject=${SECRETS.queryEmail}`)).status).toBe(200);
        expect((await client.call('GET', `/sequence-events?lead_id=${SECRETS.subject}`)).status).toBe(200);

        // Bad bodies, each carrying a value: too deep, not JSON, not JSON at all, too large, unstorable.
        expect((await send('POST', '/mappings', nested(200, `"${SECRETS.deepValue}"`))).status).toBe(400);
        expect((await send('POST', '/tags', `{"name":"${SECRETS.badJson}"`)).status).toBe(400);
        const plain = await send('POST', '/tags', SECRETS.badJson, { 'content-type': 'text/plain' });
        expect(plain.status).toBe(415);
        const large = {
          name: 'large',
          fields: [{ target: 'a', value: `${SECRETS.mappingValue}${'x'.repeat(3 * MiB)}` }],
        };
        expect((await client.call('POST', '/mappings', large)).status).toBe(413);
        const nul = { name: 'nul', label: `${SECRETS.nulLabel}\u0000`, objects: ['question'] };
        expect((await client.call('POST', '/tags', nul)).status).toBe(400);
        // A value PostgreSQL refuses, and a unique-key race.
        const cursor = Buffer.from(JSON.stringify(['2025-01-10T09:00:00.000001Z', `${SECRETS.nulCursorId}\u0000`]));
        expect((await client.call('GET', `/retry-queue?cursor=${cursor.toString('base64url')}`)).status).toBe(400);
        const racing = Array.from({ length: 10 }, (_, index) =>
          client.call('POST', '/tags', {
            name: `logged-race-${suffix}`,
            label: `${SECRETS.raceLabel}-${index}`,
            objects: ['event'],
          }),
        );
        expect((await Promise.all(racing)).filter((answer) => answer.status === 409)).toHaveLength(9);

        // Unknown ids, auth failures.
        expect((await client.call('GET', '/deliveries/msg_unknown')).status).toBe(404);
        expect((await client.call('GET', '/retry-queue/msg_unknown')).status).toBe(404);
        expect((await client.call('GET', '/connections/00000000-0000-4000-8000-000000000000')).status).toBe(404);
        expect((await new ApiClient(api.url, SECRETS.wrongKey).call('GET', '/tags')).status).toBe(401);
        expect(
          (await new ApiClient(api.url, SECRETS.wrongKey).call('POST', '/tenants', { id: 'x', name: 'x' })).status,
        ).toBe(401);
      } finally {
        await receiver.stop();
      }

      // Let the last request lines reach the pipe: the health probe's own answer comes after them.
      expect((await fetch(`${api.url}/health/live`)).status).toBe(200);
      const log = api.logLines.join('\n');
      // The log is not empty: the paths above were logged, with their outcomes.
      for (const outcome of ['"statusCode":401', '"statusCode":409', '"statusCode":413', '"statusCode":415'])
        expect(log).toContain(outcome);
      expect(log).toContain('database refused the request: 400');

      const leaked = Object.entries(SECRETS).filter(([, value]) => log.includes(value));
      expect(leaked).toEqual([]);
      expect(log).not.toContain(key);
      expect(log).not.toContain(ADMIN_TOKEN);
    });
  });
});
