import { CLIENT_OWNED_HEADERS, DeliveryV1, FLOWLINE_VERSION, MAX_DELIVERY_BYTES } from '@flowline/contracts';
import { appendQuery, encodeBody, FORM_CONTENT_TYPE, formBytesUpTo } from '@flowline/mapping';
import { staticAuthHeaders } from './auth/delivery-auth';
import { ConnectionSettings } from './connection-settings';
import { OutgoingRequest } from './webhook-sender';

/**
 * The HTTP request of one attempt. Header precedence, lowest first: the connection's static
 * headers, the header mapping's, the connection's auth, then Flowline's own (which a tenant
 * cannot override, since receivers rely on them to recognise and de-duplicate deliveries). The
 * headers the HTTP client sets itself (`CLIENT_OWNED_HEADERS`) are never taken from the tenant.
 *
 * `Authorization`: when the connection has an auth (basic, bearer, oauth2), it comes from the
 * auth alone, and a static or mapped `Authorization` header is dropped; with auth `none` a static
 * or mapped `Authorization` header is sent as given (receivers documented as "auth through
 * headers" are configured that way). An `api_key` auth's header likewise wins over a static or
 * mapped header of the same name. `accessToken` is the OAuth2 token of an `oauth2` connection.
 */
export function buildWebhookRequest(
  connection: ConnectionSettings,
  delivery: DeliveryV1,
  attemptAt: number,
  accessToken?: string,
): OutgoingRequest {
  const timestampS = Math.floor(attemptAt / 1000);
  const auth = connection.auth ?? { type: 'none' };
  const tenantHeaders = { ...lowerCaseKeys(connection.headers), ...lowerCaseKeys(delivery.headers) };
  let authHeaders: Record<string, string>;
  if (auth.type === 'oauth2') {
    if (accessToken === undefined)
      throw new Error(`connection ${connection.id}: an oauth2 request needs an access token`);
    authHeaders = { authorization: `Bearer ${accessToken}` };
  } else {
    authHeaders = staticAuthHeaders(auth);
  }
  if (auth.type !== 'none') delete tenantHeaders.authorization;
  // The HTTP client derives these from the request and throws when given one: a connection
  // stored with one (before the API refused them), or a mapping rendering one, would fail every
  // attempt.
  for (const name of CLIENT_OWNED_HEADERS) delete tenantHeaders[name];
  const headers: Record<string, string> = {
    ...tenantHeaders,
    ...authHeaders,
    'user-agent': `Flowline/${FLOWLINE_VERSION}`,
    'webhook-id': delivery.id,
    'webhook-timestamp': String(timestampS),
  };
  delete headers['webhook-signature'];
  if (connection.method === 'GET') {
    // GET carries the payload as a query string (docs/CONTRACT.md §4), nested keys as `a[b]`; the
    // signature then covers an empty body, as Standard Webhooks signs the body sent.
    if (connection.signer) headers['webhook-signature'] = connection.signer.sign(delivery.id, timestampS, '');
    return { url: appendQuery(connection.url, delivery.body), method: 'GET', headers, timeoutMs: connection.timeoutMs };
  }
  headers['content-type'] = connection.contentType;
  const body = encodeBody(delivery.body, connection.contentType);
  if (connection.signer) headers['webhook-signature'] = connection.signer.sign(delivery.id, timestampS, body);
  return { url: connection.url, method: 'POST', headers, body, timeoutMs: connection.timeoutMs };
}

/**
 * The most a form body or query string may be: percent-encoding triples a delivery's bytes at
 * most; beyond that a form repeats long keys over long lists, which is amplification, not data.
 */
export const MAX_FORM_ENCODED_BYTES = 3 * MAX_DELIVERY_BYTES;

/**
 * Why a delivery's request cannot be built for this connection, or undefined. A JSON body is as
 * large as the delivery record; a form (a POST form, or a GET's query string) is measured before
 * it is written, and one over `MAX_FORM_ENCODED_BYTES` is a permanent failure: every attempt
 * would build the same.
 */
export function requestProblem(connection: ConnectionSettings, delivery: DeliveryV1): string | undefined {
  const mediaType = connection.contentType.split(';')[0]!.trim().toLowerCase();
  if (connection.method !== 'GET' && mediaType !== FORM_CONTENT_TYPE) return undefined;
  const bytes = formBytesUpTo(delivery.body, MAX_FORM_ENCODED_BYTES);
  if (bytes <= MAX_FORM_ENCODED_BYTES) return undefined;
  const what = connection.method === 'GET' ? 'query string' : 'form body';
  return `the ${what} would be at least ${bytes} bytes, over the ${MAX_FORM_ENCODED_BYTES} bytes a request may carry`;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
