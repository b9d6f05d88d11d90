/**
 * How a connection authenticates its deliveries (docs/CONTRACT.md §4), with its secrets opened. Secrets
 * live only in these objects: never in a log line, a metric, an error message or a DLQ header.
 */
export type DeliveryAuth = NoAuth | BasicAuth | ApiKeyAuth | BearerAuth | OAuth2Auth;

export interface NoAuth {
  type: 'none';
}
export interface BasicAuth {
  type: 'basic';
  username: string;
  password: string;
}
export interface ApiKeyAuth {
  type: 'api_key';
  header: string;
  key: string;
}
export interface BearerAuth {
  type: 'bearer';
  token: string;
}

/**
 * How the client authenticates at the token endpoint (RFC 6749 §2.3.1): `client_secret_basic`
 * (HTTP Basic, the default, which every server must support) or `client_secret_post` (in the
 * form body).
 */
export type ClientAuthentication = 'client_secret_basic' | 'client_secret_post';

export interface OAuth2Auth {
  type: 'oauth2';
  grantType: 'client_credentials' | 'authorization_code';
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  scope?: string;
  /** For `authorization_code`: the refresh token the access tokens are obtained with. */
  refreshToken?: string;
  /** When unset, `client_secret_basic`, falling back to `client_secret_post` if that is refused. */
  clientAuthentication?: ClientAuthentication;
}

/** The fields of each auth type that are sealed at rest (as the api's `SECRET_FIELDS`). */
export const AUTH_SECRET_FIELDS: Readonly<Record<string, readonly string[]>> = {
  none: [],
  basic: ['password'],
  api_key: ['key'],
  bearer: ['token'],
  oauth2: ['client_secret', 'refresh_token'],
};

export const NO_AUTH: NoAuth = { type: 'none' };

/**
 * The auth of a connection row (`auth` jsonb: `{type, ...}` with the secret fields sealed), its
 * secrets opened with `open`. Throws an error that names the problem and never a secret.
 */
export function authFromConfig(
  raw: Record<string, unknown> | null | undefined,
  open: (sealed: string) => string,
): DeliveryAuth {
  const type = raw?.type ?? 'none';
  const text = (field: string, required = true): string | undefined => {
    const value = raw?.[field];
    if (typeof value === 'string' && value !== '') return value;
    if (required) throw new Error(`its ${shown(type)} auth has no ${field}`);
    return undefined;
  };
  const secret = (field: string, required = true): string | undefined => {
    const sealed = text(field, required);
    if (sealed === undefined) return undefined;
    try {
      return open(sealed);
    } catch (error) {
      throw new Error(`its auth ${field} ${reasonOf(error)}`);
    }
  };
  switch (type) {
    case 'none':
      return NO_AUTH;
    case 'basic':
      return { type: 'basic', username: text('username')!, password: secret('password')! };
    case 'api_key':
      return { type: 'api_key', header: text('header')!, key: secret('key')! };
    case 'bearer':
      return { type: 'bearer', token: secret('token')! };
    case 'oauth2': {
      const grantType = raw?.grant_type;
      if (grantType !== 'client_credentials' && grantType !== 'authorization_code')
        throw new Error(`its oauth2 grant_type ${shown(grantType)} is not supported`);
      const clientAuthentication = raw?.client_authentication;
      if (
        clientAuthentication !== undefined &&
        clientAuthentication !== 'client_secret_basic' &&
        clientAuthentication !== 'client_secret_post'
      )
        throw new Error(`its oauth2 client_authentication ${shown(clientAuthentication)} is not supported`);
      const auth: OAuth2Auth = {
        type: 'oauth2',
        grantType,
        clientId: text('client_id')!,
        clientSecret: secret('client_secret')!,
        tokenUrl: text('token_url')!,
      };
      const scope = text('scope', false);
      if (scope) auth.scope = scope;
      if (clientAuthentication) auth.clientAuthentication = clientAuthentication;
      if (grantType === 'authorization_code') auth.refreshToken = secret('refresh_token')!;
      return auth;
    }
    default:
      throw new Error(`its auth type ${shown(type)} is not supported`);
  }
}

/**
 * The request headers of the static auth types (names lower case). OAuth2's `authorization`
 * comes from the token manager (`bearerHeader`); `none` adds nothing.
 */
export function staticAuthHeaders(auth: DeliveryAuth): Record<string, string> {
  switch (auth.type) {
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}` };
    case 'api_key':
      return { [auth.header.toLowerCase()]: auth.key };
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    default:
      return {};
  }
}

/** The opener's reason, e.g. "cannot be opened with FLOWLINE_SECRET_KEY": it names no secret. */
function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : 'cannot be opened';
}

/** A non-secret setting as an error message shows it: a short string, or its JSON type. */
function shown(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 40) : typeof value;
}
