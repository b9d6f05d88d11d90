import { OAuthTokenError, OAuthTokenSource, TokenFetch, tokenLifetimeMs } from './oauth-token-source';

interface Call {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A token endpoint in memory: answers in order, records what it was asked. */
function endpoint(answers: Array<{ status: number; body: unknown } | Error>) {
  const calls: Call[] = [];
  const fetch: TokenFetch = (url, init) => {
    calls.push({ url, headers: init.headers, body: init.body });
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve({
      ok: answer.status >= 200 && answer.status < 300,
      status: answer.status,
      json: () => Promise.resolve(answer.body),
    });
  };
  return { fetch, calls };
}

const CREDENTIALS = {
  tokenUrl: 'https://idp.test/token',
  clientId: 'flowline',
  clientSecret: 's3cret:x',
  scope: 'kafka',
};

describe('OAuthTokenSource', () => {
  it('asks by client credentials with HTTP Basic auth and the scope', async () => {
    const { fetch, calls } = endpoint([{ status: 200, body: { access_token: 'tok-1', expires_in: 3600 } }]);
    const source = new OAuthTokenSource(CREDENTIALS, { fetch, now: () => 0 });
    expect(await source.provider()).toEqual({ value: 'tok-1' });
    expect(calls[0]!.url).toBe('https://idp.test/token');
    expect(calls[0]!.headers.authorization).toBe(`Basic ${Buffer.from('flowline:s3cret%3Ax').toString('base64')}`);
    expect(new URLSearchParams(calls[0]!.body).get('grant_type')).toBe('client_credentials');
    expect(new URLSearchParams(calls[0]!.body).get('scope')).toBe('kafka');
  });

  it('reuses a token until 80 % of its lifetime, then renews it before it expires', async () => {
    let now = 0;
    const { fetch, calls } = endpoint([
      { status: 200, body: { access_token: 'tok-1', expires_in: 100 } },
      { status: 200, body: { access_token: 'tok-2', expires_in: 100 } },
    ]);
    const source = new OAuthTokenSource(CREDENTIALS, { fetch, now: () => now });
    expect(await source.token()).toBe('tok-1');
    now = 79_999;
    expect(await source.token()).toBe('tok-1');
    now = 80_000;
    expect(await source.token()).toBe('tok-2');
    expect(calls).toHaveLength(2);
  });

  it('asks once for connections authenticating at the same time', async () => {
    const { fetch, calls } = endpoint([{ status: 200, body: { access_token: 'tok', expires_in: 60 } }]);
    const source = new OAuthTokenSource(CREDENTIALS, { fetch, now: () => 0 });
    await Promise.all([source.token(), source.token(), source.token()]);
    expect(calls).toHaveLength(1);
  });

  it('keeps using a valid token when a renewal fails, and says so', async () => {
    let now = 0;
    const failures: string[] = [];
    const { fetch } = endpoint([{ status: 200, body: { access_token: 'tok-1', expires_in: 100 } }, new Error('down')]);
    const source = new OAuthTokenSource(CREDENTIALS, {
      fetch,
      now: () => now,
      onRefreshFailed: (error) => failures.push(error.message),
    });
    await source.token();
    now = 90_000;
    expect(await source.token()).toBe('tok-1');
    expect(failures).toEqual(['OAuth token endpoint unreachable: down']);
    now = 100_000;
    await expect(source.token()).rejects.toThrow(OAuthTokenError);
  });

  it('names a refusal by its HTTP status and OAuth error code, never the secret', async () => {
    const { fetch } = endpoint([
      { status: 401, body: { error: 'invalid_client', error_description: 'bad secret s3cret' } },
    ]);
    const error = (await new OAuthTokenSource(CREDENTIALS, { fetch })
      .token()
      .catch((caught: unknown) => caught)) as Error;
    expect(error.message).toBe('OAuth token endpoint refused the client credentials (HTTP 401: invalid_client)');
    expect(error.message).not.toContain('s3cret');
  });

  it('refuses an answer without an access token', async () => {
    const { fetch } = endpoint([{ status: 200, body: { token_type: 'bearer' } }]);
    await expect(new OAuthTokenSource(CREDENTIALS, { fetch }).token()).rejects.toThrow(/without an access_token/);
  });

  it('takes the lifetime from expires_in, else from a JWT exp claim, else leaves it unknown', () => {
    const jwt = (claims: object) =>
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    expect(tokenLifetimeMs({ expires_in: 300 }, 'opaque', 0)).toBe(300_000);
    expect(tokenLifetimeMs({}, jwt({ exp: 1000 }), 400_000)).toBe(600_000);
    expect(tokenLifetimeMs({}, 'opaque', 0)).toBeUndefined();
    expect(tokenLifetimeMs({}, 'a.not-json.b', 0)).toBeUndefined();
  });
});
