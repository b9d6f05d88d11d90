import { createHash } from 'node:crypto';
import { Dispatcher, errors, request } from 'undici';
import { AttemptResult } from '../classify-outcome';
import { refusedTargetIn } from '../guarded-connector';
import { describeError } from '../webhook-sender';
import { ClientAuthentication, OAuth2Auth } from './delivery-auth';

/** An access token, or why none could be had: a failed token request, for `classifyOutcome`. */
export type TokenAnswer = { ok: true; token: string } | { ok: false; result: AttemptResult };

export interface OAuth2TokenManagerOptions {
  /** The SSRF-guarded agent of the webhook sender: token URLs pass the same guard. */
  dispatcher: Dispatcher;
  /** The clock expiry is measured with; tests inject one. */
  now?: () => number;
  /** Timeout of one token request (connect, headers and body); 15 s by default. */
  timeoutMs?: number;
  /** Lifetime assumed when the server gives no `expires_in`; 5 minutes by default. */
  defaultLifetimeMs?: number;
  /**
   * Keeps a refresh token the server rotated to (sealed on the connection, by the caller), so a
   * restart or another replica uses the current one rather than a spent one. Must not throw.
   */
  onRefreshTokenRotated?: (key: string, refreshToken: string) => Promise<void>;
  /**
   * The refresh token stored on the connection now, read before each refresh: another replica may
   * have rotated it since the settings were loaded (a rotation reloads no configuration). Undefined
   * keeps the one in force. Must not throw.
   */
  storedRefreshToken?: (key: string) => Promise<string | undefined>;
}

/** A token is renewed this long before it expires: 30 s, or 10 % of a shorter lifetime. */
const EXPIRY_MARGIN_MS = 30_000;
const EXPIRY_MARGIN_RATIO = 0.1;
const TOKEN_RESPONSE_LIMIT = 64 * 1024;
/** How many spent refresh tokens a connection remembers (a stored one among them is ignored). */
const SPENT_KEPT = 8;

interface TokenState {
  /** Identity of the settings this state belongs to; new settings start afresh. */
  fingerprint: string;
  token?: string;
  /** When the token is to be renewed (expiry minus the margin), by `now()`. */
  renewAt: number;
  /** The refresh token in force: the configured one, or the last one the server rotated to. */
  refreshToken?: string;
  /** The refresh token the settings carried when this state began (or last followed them). */
  configuredRefreshToken?: string;
  /** The last refresh tokens this state rotated away from: never to be used again. */
  spentRefreshTokens?: string[];
  /** The client authentication the server accepted, once one was. */
  clientAuthentication?: ClientAuthentication;
  /** The one token request in flight: concurrent deliveries all wait for it. */
  inFlight?: Promise<TokenAnswer>;
}

/**
 * OAuth2 access tokens per connection (RFC 6749 §4.4 client credentials, §6 refresh token for
 * the authorization-code grant):
 * - a token is cached until shortly before it expires (`expires_in` minus 30 s or 10 %);
 * - one token request at a time per connection (single flight): concurrent callers share it;
 * - `invalidate` drops a token a receiver refused (401), so the next caller fetches a new one;
 * - the client authenticates with HTTP Basic (`client_secret_basic`); if the server refuses that
 *   (401, or 400 `invalid_client`) and the connection does not pin a method, the same request is
 *   made once with the credentials in the body (`client_secret_post`), which is then kept;
 * - a refresh token the server rotates is used from then on and handed to
 *   `onRefreshTokenRotated` to be stored; settings that come back carrying it (the stored
 *   rotation) keep the state, while a refresh token changed by an operator starts afresh;
 *   before each refresh the stored one is asked for (`storedRefreshToken`): another replica's
 *   rotation is then used rather than a spent token;
 * - failures are not cached, answered as `AttemptResult`s with `endpoint: 'token'` so that
 *   `classifyOutcome` decides what they mean (4xx: config, permanent; 5xx, timeouts: retried).
 * No token, secret or token-endpoint body other than the OAuth2 `error` code ever leaves here.
 */
export class OAuth2TokenManager {
  private readonly states = new Map<string, TokenState>();
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly defaultLifetimeMs: number;
  /** Token requests made, for tests and metrics. */
  requests = 0;

  constructor(private readonly options: OAuth2TokenManagerOptions) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.defaultLifetimeMs = options.defaultLifetimeMs ?? 300_000;
  }

  /** A valid access token for connection `key` with settings `auth`. */
  accessToken(key: string, auth: OAuth2Auth): Promise<TokenAnswer> {
    const state = this.stateOf(key, auth);
    if (state.token !== undefined && this.now() < state.renewAt)
      return Promise.resolve({ ok: true, token: state.token });
    if (!state.inFlight) {
      state.inFlight = this.fetchToken(key, state, auth).finally(() => {
        state.inFlight = undefined;
      });
    }
    return state.inFlight;
  }

  /** Forgets `token` (a receiver refused it), unless a newer one has replaced it already. */
  invalidate(key: string, token: string): void {
    const state = this.states.get(key);
    if (state?.token === token) {
      state.token = undefined;
      state.renewAt = 0;
    }
  }

  private stateOf(key: string, auth: OAuth2Auth): TokenState {
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([
          auth.grantType,
          auth.tokenUrl,
          auth.clientId,
          auth.clientSecret,
          auth.scope,
          auth.clientAuthentication,
        ]),
      )
      .digest('hex');
    let state = this.states.get(key);
    const refreshChanged =
      state !== undefined &&
      auth.refreshToken !== state.configuredRefreshToken &&
      auth.refreshToken !== state.refreshToken;
    if (state?.fingerprint !== fingerprint || refreshChanged) {
      state = {
        fingerprint,
        renewAt: 0,
        ...(auth.refreshToken ? { refreshToken: auth.refreshToken, configuredRefreshToken: auth.refreshToken } : {}),
      };
      this.states.set(key, state);
    } else if (auth.refreshToken !== undefined) {
      // The settings now carry the rotation this state made: follow them, keep the token.
      state.configuredRefreshToken = auth.refreshToken;
    }
    return state;
  }

  private async fetchToken(key: string, state: TokenState, auth: OAuth2Auth): Promise<TokenAnswer> {
    if (auth.grantType === 'authorization_code' && this.options.storedRefreshToken) {
      const stored = await this.options.storedRefreshToken(key);
      // One this state rotated away from is spent: its own rotation may have failed to be stored.
      if (stored !== undefined && !state.spentRefreshTokens?.includes(stored)) state.refreshToken = stored;
    }
    const usedRefreshToken = state.refreshToken;
    const pinned = auth.clientAuthentication ?? state.clientAuthentication;
    const startedAt = this.now();
    let answer = await this.requestToken(state, auth, pinned ?? 'client_secret_basic');
    if (!pinned && answer.kind === 'failed' && refusesClient(answer.result)) {
      answer = await this.requestToken(state, auth, 'client_secret_post');
      if (answer.kind === 'token') state.clientAuthentication = 'client_secret_post';
    } else if (!pinned && answer.kind === 'token') {
      state.clientAuthentication = 'client_secret_basic';
    }
    if (answer.kind === 'failed') return { ok: false, result: answer.result };
    const lifetimeMs = answer.expiresInS !== undefined ? answer.expiresInS * 1000 : this.defaultLifetimeMs;
    state.token = answer.token;
    state.renewAt = startedAt + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs * EXPIRY_MARGIN_RATIO);
    if (answer.refreshToken && answer.refreshToken !== state.refreshToken) {
      if (usedRefreshToken !== undefined)
        state.spentRefreshTokens = [...(state.spentRefreshTokens ?? []), usedRefreshToken].slice(-SPENT_KEPT);
      state.refreshToken = answer.refreshToken;
      await this.options.onRefreshTokenRotated?.(key, answer.refreshToken);
    }
    return { ok: true, token: answer.token };
  }

  private async requestToken(
    state: TokenState,
    auth: OAuth2Auth,
    clientAuthentication: ClientAuthentication,
  ): Promise<
    | { kind: 'token'; token: string; expiresInS?: number; refreshToken?: string }
    | { kind: 'failed'; result: AttemptResult }
  > {
    const form = new URLSearchParams();
    if (auth.grantType === 'authorization_code') {
      form.set('grant_type', 'refresh_token');
      form.set('refresh_token', state.refreshToken ?? '');
    } else {
      form.set('grant_type', 'client_credentials');
    }
    if (auth.scope) form.set('scope', auth.scope);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (clientAuthentication === 'client_secret_basic') {
      // RFC 6749 §2.3.1: both are form-urlencoded before being joined.
      const credentials = `${formEncode(auth.clientId)}:${formEncode(auth.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    } else {
      form.set('client_id', auth.clientId);
      form.set('client_secret', auth.clientSecret);
    }
    this.requests += 1;
    const signal = AbortSignal.timeout(this.timeoutMs);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(auth.tokenUrl, {
        method: 'POST',
        headers,
        body: form.toString(),
        dispatcher: this.options.dispatcher,
        signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (error) {
      const refused = refusedTargetIn(error);
      if (refused)
        return failed({ kind: 'error', code: 'refused_target', message: refused.message, endpoint: 'token' });
      const timedOut =
        signal.aborted || error instanceof errors.HeadersTimeoutError || error instanceof errors.ConnectTimeoutError;
      return failed({
        kind: 'error',
        code: timedOut ? 'timeout' : 'connection',
        message: describeError(error),
        endpoint: 'token',
      });
    }
    const retryAfter = response.headers['retry-after'];
    const status = response.statusCode;
    let body: Record<string, unknown> | undefined;
    try {
      body = parseJson(await readLimited(response.body));
    } catch {
      body = undefined;
    }
    const tokenResult = (detail: string): { kind: 'failed'; result: AttemptResult } =>
      failed({
        kind: 'response',
        status,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        endpoint: 'token',
        detail,
      });
    if (status < 200 || status >= 300) return tokenResult(oauthErrorCode(body) ?? 'no OAuth2 error code');
    const token = body?.access_token;
    if (typeof token !== 'string' || token === '') return tokenResult('answer without an access_token');
    const tokenType = body?.token_type;
    if (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'bearer')
      return tokenResult(`token_type ${tokenType.slice(0, 40)} is not supported`);
    const expiresIn = Number(body?.expires_in);
    const refreshToken = body?.refresh_token;
    return {
      kind: 'token',
      token,
      ...(Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresInS: expiresIn } : {}),
      ...(typeof refreshToken === 'string' && refreshToken !== '' ? { refreshToken } : {}),
    };
  }
}

function failed(result: AttemptResult): { kind: 'failed'; result: AttemptResult } {
  return { kind: 'failed', result };
}

/** The server refused the client's authentication method (RFC 6749 §5.2). */
function refusesClient(result: AttemptResult): boolean {
  return (
    result.kind === 'response' &&
    (result.status === 401 || (result.status === 400 && result.detail === 'invalid_client'))
  );
}

/** The OAuth2 `error` code of an error answer, when it is one (a safe, fixed vocabulary). */
function oauthErrorCode(body: Record<string, unknown> | undefined): string | undefined {
  const code = body?.error;
  return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : undefined;
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

function parseJson(text: string): Record<string, unknown> | undefined {
  const parsed: unknown = JSON.parse(text);
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : undefined;
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    total += chunk.length;
    if (total > TOKEN_RESPONSE_LIMIT) {
      body.destroy();
      throw new Error('token response too large');
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
