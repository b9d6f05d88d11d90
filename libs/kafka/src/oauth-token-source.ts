/**
 * OAUTHBEARER tokens for the Kafka client, from an OAuth 2.0 token endpoint by the client
 * credentials grant. kafkajs asks for a token each time it authenticates a connection; the
 * source answers from its cache and fetches a new token once 80 % of the current one's lifetime
 * has passed, so a token is renewed well before it expires and the endpoint is asked once per
 * lifetime, not once per connection.
 */
export interface OAuthClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
}

/** The parts of `fetch` the source uses (a test gives a fake, production the global one). */
export type TokenFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

export interface TokenSourceOptions {
  fetch?: TokenFetch;
  now?: () => number;
  /** Lifetime assumed when the endpoint gives none (no expires_in, no JWT exp). */
  defaultLifetimeMs?: number;
  requestTimeoutMs?: number;
  /** Told when a refresh failed but the current token is still valid and stays in use. */
  onRefreshFailed?: (error: Error) => void;
}

/** Why no token could be had; the message names the cause, never a credential. */
export class OAuthTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OAuthTokenError';
  }
}

interface CachedToken {
  value: string;
  refreshAt: number;
  expiresAt: number;
}

/** Share of a token's lifetime after which it is renewed. */
const REFRESH_AT_SHARE = 0.8;

export class OAuthTokenSource {
  private cached: CachedToken | undefined;
  private inFlight: Promise<CachedToken> | undefined;
  private readonly fetch: TokenFetch;
  private readonly now: () => number;

  constructor(
    private readonly credentials: OAuthClientCredentials,
    private readonly options: TokenSourceOptions = {},
  ) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
  }

  /** kafkajs's `oauthBearerProvider`. */
  readonly provider = async (): Promise<{ value: string }> => ({ value: await this.token() });

  async token(): Promise<string> {
    const now = this.now();
    const cached = this.cached;
    if (cached && now < cached.refreshAt) return cached.value;
    // Connections authenticating at once share one request to the endpoint.
    this.inFlight ??= this.request().finally(() => {
      this.inFlight = undefined;
    });
    try {
      this.cached = await this.inFlight;
      return this.cached.value;
    } catch (error) {
      // The endpoint may be briefly away: a token that has not expired yet still works.
      if (cached && this.now() < cached.expiresAt) {
        this.options.onRefreshFailed?.(error as Error);
        return cached.value;
      }
      throw error;
    }
  }

  private async request(): Promise<CachedToken> {
    const { tokenUrl, clientId, clientSecret, scope } = this.credentials;
    // RFC 6749 §2.3.1: client_secret_basic, which every authorization server must support.
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    const body = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
    const requestedAt = this.now();
    let response: Awaited<ReturnType<TokenFetch>>;
    try {
      response = await this.fetch(tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: body.toString(),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new OAuthTokenError(`OAuth token endpoint unreachable: ${describeFetchError(error)}`);
    }
    const answer = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!response.ok) {
      // `error` is the RFC 6749 code (invalid_client, invalid_scope): safe to show, and the cause.
      const code = typeof answer?.error === 'string' ? `: ${answer.error.slice(0, 64)}` : '';
      throw new OAuthTokenError(`OAuth token endpoint refused the client credentials (HTTP ${response.status}${code})`);
    }
    const value = answer?.access_token;
    if (typeof value !== 'string' || value.length === 0)
      throw new OAuthTokenError('OAuth token endpoint answered without an access_token');
    const lifetimeMs = tokenLifetimeMs(answer!, value, requestedAt) ?? this.options.defaultLifetimeMs ?? 300_000;
    return {
      value,
      refreshAt: requestedAt + Math.floor(lifetimeMs * REFRESH_AT_SHARE),
      expiresAt: requestedAt + lifetimeMs,
    };
  }
}

/** The token's lifetime: `expires_in` (seconds), else the JWT's `exp` claim, else unknown. */
export function tokenLifetimeMs(answer: Record<string, unknown>, token: string, now: number): number | undefined {
  const expiresIn = Number(answer.expires_in);
  if (Number.isFinite(expiresIn) && expiresIn > 0) return expiresIn * 1000;
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    if (typeof exp === 'number' && exp * 1000 > now) return exp * 1000 - now;
  } catch {
    // Not a JWT: opaque tokens are fine, their lifetime is just unknown.
  }
  return undefined;
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return 'timed out';
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
