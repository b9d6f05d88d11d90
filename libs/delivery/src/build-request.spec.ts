import { DeliveryV1 } from '@flowline/contracts';
import { buildWebhookRequest } from './build-request';
import { ConnectionSettings } from './connection-settings';

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
