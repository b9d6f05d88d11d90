import { DeliveryV1 } from '@flowline/contracts';
import { buildWebhookRequest } from '../build-request';
import { ConnectionSettings } from '../connection-settings';
import { authFromConfig, DeliveryAuth } from './delivery-auth';

const delivery: DeliveryV1 = {
  v: 1,
  id: 'msg_auth',
  tenant: 'acme',
  subject: 's',
  connectionId: 'c',
  eventId: 'e',
  eventType: 't',
  body: { a: 1 },
  headers: { 'X-Mapped': 'm', 'Webhook-Id': 'forged' },
  ingestedAt: 0,
};

function connection(auth: DeliveryAuth | undefined, headers: Record<string, string> = {}): ConnectionSettings {
  return {
    id: 'c',
    tenant: 'acme',
    name: 'crm',
    url: 'https://crm.example.com/hook',
    method: 'POST',
    contentType: 'application/json',
    headers: { 'X-Company-ID': 'company_1', ...headers },
    timeoutMs: 15000,
    maxRetries: 3,
    retryScheduleS: [10, 120, 900],
    rateLimitPerS: 50,
    maxInFlight: 10,
    ordering: 'per_subject',
    paused: false,
    ...(auth ? { auth } : {}),
  };
}

const headersOf = (auth: DeliveryAuth | undefined, headers?: Record<string, string>, token?: string) =>
  buildWebhookRequest(connection(auth, headers), delivery, 0, token).headers;

describe('auth headers per type', () => {
  it('none: no authorization, but a static Authorization header is sent as configured', () => {
    expect(headersOf(undefined).authorization).toBeUndefined();
    expect(headersOf({ type: 'none' }).authorization).toBeUndefined();
    expect(headersOf({ type: 'none' }, { Authorization: 'Token abc' }).authorization).toBe('Token abc');
  });

  it('basic: Basic base64(user:pass), winning over a static Authorization header', () => {
    const headers = headersOf({ type: 'basic', username: 'ada', password: 'pä:ss' }, { Authorization: 'Token abc' });
    expect(headers.authorization).toBe(`Basic ${Buffer.from('ada:pä:ss').toString('base64')}`);
    expect(headers['x-company-id']).toBe('company_1');
    expect(headers['x-mapped']).toBe('m');
  });

  it('api_key: the configured header carries the key, over a static header of that name', () => {
    const headers = headersOf({ type: 'api_key', header: 'X-API-Key', key: 'k-123' }, { 'x-api-key': 'static' });
    expect(headers['x-api-key']).toBe('k-123');
    expect(headers.authorization).toBeUndefined();
  });

  it('api_key cannot override Flowline headers', () => {
    const headers = headersOf({ type: 'api_key', header: 'Webhook-Id', key: 'k' });
    expect(headers['webhook-id']).toBe('msg_auth');
  });

  it('bearer: Bearer <token>', () => {
    expect(headersOf({ type: 'bearer', token: 't-1' }, { AUTHORIZATION: 'x' }).authorization).toBe('Bearer t-1');
  });

  it('oauth2: Bearer <access token>, which is required', () => {
    const auth: DeliveryAuth = {
      type: 'oauth2',
      grantType: 'client_credentials',
      clientId: 'id',
      clientSecret: 's',
      tokenUrl: 'https://auth.example.com/token',
    };
    expect(headersOf(auth, { Authorization: 'x' }, 'at-1').authorization).toBe('Bearer at-1');
    expect(() => headersOf(auth)).toThrow('needs an access token');
  });

  it('static and mapped headers never override Flowline headers', () => {
    const headers = headersOf({ type: 'bearer', token: 't' }, { 'User-Agent': 'x', 'Content-Type': 'text/plain' });
    expect(headers['user-agent']).toMatch(/^Flowline\//);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-id']).toBe('msg_auth');
  });
});

describe('authFromConfig', () => {
  const open = (sealed: string) => {
    if (!sealed.startsWith('sealed:')) throw new Error('cannot be opened with FLOWLINE_SECRET_KEY');
    return sealed.slice(7);
  };

  it('opens the secret fields of each type', () => {
    expect(authFromConfig({ type: 'none' }, open)).toEqual({ type: 'none' });
    expect(authFromConfig(null, open)).toEqual({ type: 'none' });
    expect(authFromConfig({ type: 'basic', username: 'u', password: 'sealed:p' }, open)).toEqual({
      type: 'basic',
      username: 'u',
      password: 'p',
    });
    expect(authFromConfig({ type: 'api_key', header: 'X-Key', key: 'sealed:k' }, open)).toEqual({
      type: 'api_key',
      header: 'X-Key',
      key: 'k',
    });
    expect(authFromConfig({ type: 'bearer', token: 'sealed:t' }, open)).toEqual({ type: 'bearer', token: 't' });
    expect(
      authFromConfig(
        {
          type: 'oauth2',
          grant_type: 'authorization_code',
          client_id: 'id',
          client_secret: 'sealed:cs',
          token_url: 'https://a/token',
          scope: 'read',
          refresh_token: 'sealed:rt',
        },
        open,
      ),
    ).toEqual({
      type: 'oauth2',
      grantType: 'authorization_code',
      clientId: 'id',
      clientSecret: 'cs',
      tokenUrl: 'https://a/token',
      scope: 'read',
      refreshToken: 'rt',
    });
  });

  it('refuses what cannot be opened or is incomplete, naming no secret', () => {
    expect(() => authFromConfig({ type: 'bearer', token: 'not-sealed-secret' }, open)).toThrow(
      /^its auth token cannot be opened with FLOWLINE_SECRET_KEY$/,
    );
    expect(() =>
      authFromConfig(
        { type: 'oauth2', grant_type: 'authorization_code', client_id: 'i', client_secret: 'sealed:x', token_url: 'u' },
        open,
      ),
    ).toThrow('its oauth2 auth has no refresh_token');
    expect(() => authFromConfig({ type: 'magic' }, open)).toThrow('its auth type magic is not supported');
  });
});
