import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { DeliveryV1 } from '@flowline/contracts';
import { buildWebhookRequest, MAX_FORM_ENCODED_BYTES, requestProblem } from './build-request';
import { ConnectionSettings } from './connection-settings';
import { WebhookSigner } from './webhook-signer';

const connection: ConnectionSettings = {
  id: 'c',
  tenant: 'acme',
  name: 'crm',
  url: 'https://crm.example.com/hook',
  method: 'POST',
  contentType: 'application/json',
  headers: { 'X-Company-ID': 'company_12345', 'User-Agent': 'spoofed' },
  timeoutMs: 15000,
  maxRetries: 3,
  retryScheduleS: [10, 120, 900],
  rateLimitPerS: 50,
  maxInFlight: 10,
  ordering: 'per_subject',
  paused: false,
};
const delivery: DeliveryV1 = {
  v: 1,
  id: 'msg_abc',
  tenant: 'acme',
  subject: 's',
  connectionId: 'c',
  eventId: 'e',
  eventType: 'registration.created',
  body: { email: 'ada@example.com' },
  headers: { 'X-Trace': 't-1' },
  ingestedAt: 0,
};

it('sends the JSON body with static, mapped and Standard Webhooks headers', () => {
  const request = buildWebhookRequest(connection, delivery, Date.parse('2026-01-01T00:00:00Z'));
  expect(request).toMatchObject({ url: connection.url, method: 'POST', body: '{"email":"ada@example.com"}' });
  expect(request.headers).toEqual({
    'x-company-id': 'company_12345',
    'x-trace': 't-1',
    'user-agent': expect.stringMatching(/^Flowline\/\d+\.\d+\.\d+$/),
    'content-type': 'application/json',
    'webhook-id': 'msg_abc',
    'webhook-timestamp': '1767225600',
  });
});

it('never takes from the tenant a header the HTTP client sets itself (undici throws on each)', () => {
  const stored = { ...connection, headers: { 'Transfer-Encoding': 'chunked', 'Content-Length': '3', 'X-Keep': 'k' } };
  const mapped = { ...delivery, headers: { Connection: 'upgrade, x', Expect: '100-continue', Upgrade: 'h2c' } };
  const request = buildWebhookRequest(stored, mapped, Date.parse('2026-01-01T00:00:00Z'));
  expect(Object.keys(request.headers).sort()).toEqual([
    'content-type',
    'user-agent',
    'webhook-id',
    'webhook-timestamp',
    'x-keep',
  ]);
});

it('sends a form body or a query string as the connection says', () => {
  const form = buildWebhookRequest(
    { ...connection, contentType: 'application/x-www-form-urlencoded' },
    { ...delivery, body: { contact: { first_name: 'Ada' }, tags: ['a', 'b'] } },
    0,
  );
  expect(form.headers['content-type']).toBe('application/x-www-form-urlencoded');
  expect(decodeURIComponent(form.body!)).toBe('contact[first_name]=Ada&tags[]=a&tags[]=b');
  const get = buildWebhookRequest(
    { ...connection, method: 'GET', url: 'https://crm.example.com/hook?source=flowline' },
    delivery,
    0,
  );
  expect(get.body).toBeUndefined();
  expect(get.url).toBe('https://crm.example.com/hook?source=flowline&email=ada%40example.com');
});

describe('Standard Webhooks signatures', () => {
  // The spec's own example secret and a fixed signing input.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const signed: ConnectionSettings = { ...connection, signer: new WebhookSigner(secret) };

  it('signs `${webhook-id}.${webhook-timestamp}.${body}` with HMAC-SHA256 of the whsec_ key', () => {
    const request = buildWebhookRequest(signed, delivery, Date.parse('2026-01-01T00:00:00Z'));
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`msg_abc.1767225600.${request.body}`).digest('base64');
    expect(request.headers['webhook-signature']).toBe(`v1,${expected}`);
    const now = Math.floor(Date.now() / 1000);
    const fresh = buildWebhookRequest(signed, delivery, now * 1000);
    expect(new Webhook(secret).verify(fresh.body!, fresh.headers)).toEqual({ email: 'ada@example.com' });
  });

  it('signs form bodies as sent, and GET requests over an empty body', () => {
    const now = Date.now();
    const form = buildWebhookRequest({ ...signed, contentType: 'application/x-www-form-urlencoded' }, delivery, now);
    expect(() => new Webhook(secret).verify(form.body!, form.headers, { jsonParse: false })).not.toThrow();
    const get = buildWebhookRequest({ ...signed, method: 'GET' }, delivery, now);
    expect(() => new Webhook(secret).verify('', get.headers)).not.toThrow();
  });

  it('keeps webhook-id across attempts and signs each attempt with its own timestamp', () => {
    const first = buildWebhookRequest(signed, delivery, 1_767_225_600_000);
    const retry = buildWebhookRequest(signed, delivery, 1_767_225_610_000);
    expect(retry.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(retry.headers['webhook-timestamp']).toBe('1767225610');
    expect(retry.headers['webhook-signature']).not.toBe(first.headers['webhook-signature']);
  });

  it('sends no signature without a secret, and a tenant header cannot forge one', () => {
    const forged = { ...delivery, headers: { 'Webhook-Signature': 'v1,forged' } };
    expect(buildWebhookRequest(connection, forged, 0).headers).not.toHaveProperty('webhook-signature');
    expect(buildWebhookRequest(signed, forged, 0).headers['webhook-signature']).not.toBe('v1,forged');
  });

  it('never shows the secret', () => {
    const text = [
      JSON.stringify(signed),
      inspect(signed, { depth: 10, showHidden: true }),
      `${JSON.stringify(signed.signer)}`,
    ];
    for (const shown of text) {
      expect(shown).not.toContain('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
      expect(shown).not.toContain('whsec_');
    }
  });

  it('rejects a secret that is not whsec_ + base64 without repeating it', () => {
    expect(() => new WebhookSigner('whsec_not*base64!')).toThrow('the signing secret is not whsec_ followed by base64');
    expect(() => new WebhookSigner('whsec_')).toThrow(/^the signing secret is not/);
  });
});

describe('requestProblem (issue 9: amplification in the encoding)', () => {
  // Small as JSON (about 300 KB), some 30 GB as a form: the key is repeated for every item.
  const amplifying = { ...delivery, body: { ['k'.repeat(100_000)]: Array(100_000).fill(1) } };

  it('refuses a form body or query string that would be over MAX_FORM_ENCODED_BYTES, before building it', () => {
    const form = { ...connection, contentType: 'application/x-www-form-urlencoded' as const };
    expect(requestProblem(form, amplifying)).toMatch(
      new RegExp(
        `^the form body would be at least \\d+ bytes, over the ${MAX_FORM_ENCODED_BYTES} bytes a request may carry$`,
      ),
    );
    expect(requestProblem({ ...connection, method: 'GET' }, amplifying)).toMatch(/^the query string would be/);
  });

  it('has nothing against ordinary forms, nor against JSON, which is as large as the delivery record', () => {
    const form = { ...connection, contentType: 'application/x-www-form-urlencoded' as const };
    expect(requestProblem(form, delivery)).toBeUndefined();
    expect(requestProblem(connection, amplifying)).toBeUndefined();
  });
});
